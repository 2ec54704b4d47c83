"""jupyter_kernel_test's protocol suite against the proxyrm kernel, every sample filled in.

Run with the kernelspec on JUPYTER_PATH (tests/kernel.protocol.test.ts installs it into a
temporary prefix and runs this file with Debian's /usr/bin/python3).

Not filled in: code_page_something. The kernel sends no pager payloads (docs/kernel.md);
inspect_request is how frontends show help.
"""

import unittest

import jupyter_kernel_test


class ProxyrmKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "proxyrm"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("to stderr")'
    code_generate_error = 'throw new Error("boom")'

    # Out[n]: text/plain is util.inspect of the value; a value with a Symbol.for("proxyrm.mimeBundle")
    # method (display.ts's toMimeBundle) shows its own bundle.
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": '"proxy" + "rm"', "result": "'proxyrm'"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
        {
            "code": '({ [Symbol.for("proxyrm.mimeBundle")]: () => ({ "text/html": "<b>rich</b>", "text/plain": "rich" }) })',
            "mime": "text/html",
            "result": "<b>rich</b>",
        },
    ]

    code_display_data = [
        {"code": 'import * as tslab from "tslab"; tslab.display.html("<b>x</b>")', "mime": "text/html"},
        {
            "code": 'import { display } from "@proxyrm/kernel";\n'
            'display({ "text/plain": "scores", "application/vnd.proxyrm.test+json": { a: 1 } })',
            "mime": "application/vnd.proxyrm.test+json",
        },
    ]

    completion_samples = [
        {"text": "Math.ma", "matches": {"max"}},
        {"text": "console.lo", "matches": {"log", "timeLog"}},
    ]

    complete_code_samples = ["1 + 2", "let x = 1", "function f(a: number) {\n  return a;\n}"]
    incomplete_code_samples = ["let x = {", "function f() {", "foo(1,", "const y = 1 +", "`open template"]
    invalid_code_samples = ["let 1x = 2", "x = )", "}"]

    code_inspect_sample = "Math.max"

    supported_history_operations = ("tail", "range", "search")
    # A glob over the whole input (IPython's search): matches "1 + 2" only.
    code_history_pattern = "1 + ?"

    code_clear_output = 'import { clearOutput } from "@proxyrm/kernel"; clearOutput()'


if __name__ == "__main__":
    unittest.main()
