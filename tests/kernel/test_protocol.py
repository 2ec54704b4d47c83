"""Protocol behaviour of the proxyrm kernel that jupyter_kernel_test does not cover: comms,
interrupt, stop_on_error, history sessions, clear_output, execution counts, shutdown.

Talks to the real kernel through jupyter_client (JUPYTER_PATH must hold the kernelspec;
tests/kernel.protocol.test.ts sets it up). One kernel serves the tests of a class, so each test
names its own variables.
"""

import os
import shutil
import tempfile
import time
import unittest
import uuid

from jupyter_client.manager import KernelManager

TIMEOUT = 60


class Kernel:
    """A started proxyrm kernel and a client, with iopub messages kept per request."""

    def __init__(self, cwd=None):
        self.km = KernelManager(kernel_name="proxyrm")
        self.km.start_kernel(cwd=cwd) if cwd else self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=TIMEOUT)
        self.iopub = {}  # parent msg_id -> messages, in arrival order
        self.orphans = []  # iopub messages with no parent (kernel-initiated: status starting)

    def stop(self):
        self.kc.stop_channels()
        if self.km.is_alive():
            self.km.shutdown_kernel(now=True)

    def _pump(self, timeout):
        msg = self.kc.get_iopub_msg(timeout=timeout)
        parent = msg["parent_header"].get("msg_id")
        if parent:
            self.iopub.setdefault(parent, []).append(msg)
        else:
            self.orphans.append(msg)
        return msg

    def reply(self, msg_id, timeout=TIMEOUT, channel="shell"):
        """The reply to msg_id (skipping wait_for_ready's extra kernel_info replies)."""
        get = self.kc.get_shell_msg if channel == "shell" else self.kc.get_control_msg
        deadline = time.time() + timeout
        while True:
            msg = get(timeout=max(0.1, deadline - time.time()))
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def outputs(self, msg_id, timeout=TIMEOUT):
        """iopub messages of msg_id up to its idle status (statuses and execute_input left out)."""
        deadline = time.time() + timeout
        while not any(m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" for m in self.iopub.get(msg_id, [])):
            self._pump(max(0.1, deadline - time.time()))
        return [m for m in self.iopub[msg_id] if m["msg_type"] not in ("status", "execute_input")]

    def wait_iopub(self, predicate, timeout=TIMEOUT):
        """The first iopub message (already received or new) for which predicate holds."""
        deadline = time.time() + timeout
        # By message id, not position: a message for an earlier request lands mid-list.
        seen = set()
        while True:
            everything = [m for ms in self.iopub.values() for m in ms] + self.orphans
            for m in everything:
                if m["header"]["msg_id"] in seen:
                    continue
                seen.add(m["header"]["msg_id"])
                if predicate(m):
                    return m
            self._pump(max(0.1, deadline - time.time()))

    def execute(self, code, timeout=TIMEOUT, **kwargs):
        msg_id = self.kc.execute(code, **kwargs)
        reply = self.reply(msg_id, timeout)
        return reply["content"], self.outputs(msg_id, timeout)

    def ok(self, code, **kwargs):
        reply, outputs = self.execute(code, **kwargs)
        assert reply["status"] == "ok", (code, reply)
        return outputs

    def value(self, code):
        """text/plain of the execute_result of code."""
        results = [m for m in self.ok(code) if m["msg_type"] == "execute_result"]
        assert len(results) == 1, (code, results)
        return results[0]["content"]["data"]["text/plain"]

    def shell(self, msg_type, content, buffers=None):
        msg = self.kc.session.msg(msg_type, content)
        self.kc.session.send(self.kc.shell_channel.socket, msg, buffers=buffers)
        return msg["header"]["msg_id"]


class SharedKernel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.k = Kernel()
        cls.k.ok("1")  # the first cell waits for the TypeScript converter; keep that out of tests

    @classmethod
    def tearDownClass(cls):
        cls.k.stop()


class ExecuteTests(SharedKernel):
    def test_counts_results_and_inputs(self):
        k = self.k
        msg_id = k.kc.execute("40 + 2")
        reply = k.reply(msg_id)["content"]
        n = reply["execution_count"]
        outputs = k.outputs(msg_id)
        inputs = [m for m in k.iopub[msg_id] if m["msg_type"] == "execute_input"]
        self.assertEqual(inputs[0]["content"], {"code": "40 + 2", "execution_count": n})
        self.assertEqual(outputs[0]["msg_type"], "execute_result")
        self.assertEqual(outputs[0]["content"]["execution_count"], n)
        self.assertEqual(outputs[0]["content"]["data"], {"text/plain": "42"})

        reply, _ = k.execute("1")
        self.assertEqual(reply["execution_count"], n + 1)
        # store_history=False and silent cells do not count; silent ones show nothing.
        reply, outputs = k.execute("2", store_history=False)
        self.assertEqual(reply["execution_count"], n + 1)
        self.assertEqual([m["msg_type"] for m in outputs], ["execute_result"])
        reply, outputs = k.execute('console.log("hidden"); 3', silent=True)
        self.assertEqual((reply["status"], reply["execution_count"], outputs), ("ok", n + 1, []))
        reply, _ = k.execute("4")
        self.assertEqual(reply["execution_count"], n + 2)

    def test_no_result_for_undefined_and_declarations(self):
        for code in ["let declaredOnly = 1", "undefined", "console.log('x')"]:
            outputs = self.k.ok(code)
            self.assertNotIn("execute_result", [m["msg_type"] for m in outputs], code)

    def test_errors_have_name_value_traceback(self):
        reply, outputs = self.k.execute('class Oops extends Error { name = "Oops" }\nthrow new Oops("bad input")')
        self.assertEqual((reply["status"], reply["ename"], reply["evalue"]), ("error", "Oops", "bad input"))
        self.assertTrue(any("bad input" in line for line in reply["traceback"]))
        self.assertEqual([m["msg_type"] for m in outputs], ["error"])
        self.assertEqual(outputs[0]["content"]["ename"], "Oops")
        reply, _ = self.k.execute("const typed: number = 'text'")
        self.assertEqual(reply["ename"], "CompileError")
        self.assertIn("not assignable", reply["evalue"])

    def test_user_expressions(self):
        self.k.ok("const uxBase = 20")
        reply, _ = self.k.execute("", user_expressions={"a": "uxBase + 1", "b": "nope("})
        self.assertEqual(reply["user_expressions"]["a"]["status"], "ok")
        self.assertEqual(reply["user_expressions"]["a"]["data"]["text/plain"], "21")
        self.assertEqual(reply["user_expressions"]["b"]["status"], "error")

    def test_kernel_survives_async_throws(self):
        self.k.ok("setTimeout(() => { throw new Error('late throw') }, 10); Promise.reject(new Error('late reject'))")
        time.sleep(0.3)
        self.assertEqual(self.k.value("'still alive'"), "'still alive'")

    def test_kernel_info(self):
        msg_id = self.k.kc.kernel_info()
        content = self.k.reply(msg_id)["content"]
        self.assertEqual(content["status"], "ok")
        self.assertEqual(content["implementation"], "proxyrm")
        self.assertEqual(content["language_info"]["name"], "typescript")
        self.assertEqual(content["protocol_version"], "5.3")


class DisplayTests(SharedKernel):
    def test_clear_output_and_wait(self):
        outputs = self.k.ok('import { clearOutput } from "@proxyrm/kernel"; console.log("a"); clearOutput(true); console.log("b")')
        self.assertEqual([m["msg_type"] for m in outputs], ["stream", "clear_output", "stream"])
        self.assertEqual(outputs[1]["content"], {"wait": True})

    def test_display_update_by_id(self):
        outputs = self.k.ok(
            'import { display } from "@proxyrm/kernel";\n'
            'display({ "text/plain": "v1" }, { displayId: "d1" });\n'
            'display({ "text/plain": "v2" }, { displayId: "d1", update: true, metadata: { note: 1 } })'
        )
        self.assertEqual([m["msg_type"] for m in outputs], ["display_data", "update_display_data"])
        self.assertEqual(outputs[0]["content"]["transient"], {"display_id": "d1"})
        self.assertEqual(outputs[1]["content"]["data"], {"text/plain": "v2"})
        self.assertEqual(outputs[1]["content"]["metadata"], {"note": 1})

    def test_result_already_in_its_display_is_not_repeated(self):
        # A notebook-API result carries the id of the live display that already shows it.
        code = (
            'import { display } from "@proxyrm/kernel";\n'
            'const shown = Symbol.for("proxyrm.displayId");\n'
            'display({ "text/plain": "stage result" }, { displayId: "%s" });\n'
            '({ [shown]: "%s", toString() { return "r" } })'
        )
        outputs = self.k.ok(code % ("p1", "p1"))
        self.assertEqual([m["msg_type"] for m in outputs], ["display_data"])
        outputs = self.k.ok(code % ("p2", "elsewhere"))
        self.assertEqual([m["msg_type"] for m in outputs], ["display_data", "execute_result"])

    def test_tslab_display_and_binary(self):
        outputs = self.k.ok('import * as tslab from "tslab"; tslab.display.png(new Uint8Array([137, 80, 78, 71]))')
        self.assertEqual(outputs[0]["content"]["data"], {"image/png": "iVBORw=="})

    def test_stream_order(self):
        outputs = self.k.ok('for (let i = 0; i < 200; i++) console.log(i); import { display } from "@proxyrm/kernel"; display({ "text/plain": "after" })')
        kinds = [m["msg_type"] for m in outputs]
        self.assertEqual(kinds[-1], "display_data")
        text = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream")
        self.assertEqual(text, "".join(f"{i}\n" for i in range(200)))
        self.assertLess(len(kinds), 50, "console.log calls in one turn are coalesced")


class CommTests(SharedKernel):
    def comm_messages(self, comm_id, msg_type="comm_msg", count=1):
        out = []
        while len(out) < count:
            m = self.k.wait_iopub(lambda m: m["msg_type"] == msg_type and m["content"].get("comm_id") == comm_id and m not in out)
            out.append(m)
        return out

    def comm_info(self, target=None):
        msg_id = self.k.kc.comm_info(target) if target else self.k.kc.comm_info()
        reply = self.k.reply(msg_id)["content"]
        self.assertEqual(reply["status"], "ok")
        return reply["comms"]

    def test_frontend_opens_target_proxyrm(self):
        comm_id = uuid.uuid4().hex
        self.k.shell("comm_open", {"comm_id": comm_id, "target_name": "proxyrm", "data": {"type": "hello", "client": "test"}})
        (reply,) = self.comm_messages(comm_id)
        self.assertEqual(reply["content"]["data"]["type"], "hello")
        self.assertTrue(reply["content"]["data"]["version"])

        self.assertEqual(self.comm_info()[comm_id], {"target_name": "proxyrm"})
        self.assertIn(comm_id, self.comm_info("proxyrm"))
        self.assertNotIn(comm_id, self.comm_info("other-target"))

        self.k.shell("comm_msg", {"comm_id": comm_id, "data": {"type": "hello"}})
        self.k.shell("comm_msg", {"comm_id": comm_id, "data": {"type": "no-such-type"}})
        replies = self.comm_messages(comm_id, count=3)
        self.assertEqual(replies[1]["content"]["data"]["type"], "hello")
        self.assertEqual(replies[2]["content"]["data"]["type"], "error")

        self.k.shell("comm_close", {"comm_id": comm_id, "data": {}})
        time.sleep(0.2)
        self.assertNotIn(comm_id, self.comm_info())

    def test_bad_messages_get_an_error_and_the_kernel_carries_on(self):
        comm_id = uuid.uuid4().hex
        self.k.shell("comm_open", {"comm_id": comm_id, "target_name": "proxyrm", "data": {}})
        bad = [
            "not an object",
            [1, 2],
            {"type": "label.submit", "widget": "w", "response_id": "r", "score": 9},
            {"type": "lasso.select", "widget": "w", "response_ids": "a,b"},
            {"type": "label.next", "widget": "no-such-widget"},
            {"type": "label.next", "widget": "w", "extra": True},
        ]
        for data in bad:
            self.k.shell("comm_msg", {"comm_id": comm_id, "data": data})
        replies = [m["content"]["data"] for m in self.comm_messages(comm_id, count=len(bad))]
        self.assertEqual([r["type"] for r in replies], ["error"] * len(bad))
        self.assertTrue(all(r["message"] and "\n" not in r["message"] for r in replies))
        self.assertEqual(replies[2]["request"], "label.submit")
        self.assertEqual(replies[4]["widget"], "no-such-widget")
        self.k.shell("comm_msg", {"comm_id": comm_id, "data": {"type": "hello"}})
        self.assertEqual(self.comm_messages(comm_id, count=len(bad) + 1)[-1]["content"]["data"]["type"], "hello")
        self.assertEqual(self.k.value("1 + 1"), "2")

    def test_unknown_target_is_closed(self):
        comm_id = uuid.uuid4().hex
        self.k.shell("comm_open", {"comm_id": comm_id, "target_name": "nobody-registered-this", "data": {}})
        self.comm_messages(comm_id, "comm_close")
        self.assertNotIn(comm_id, self.comm_info())

    def test_target_registered_from_a_cell_with_buffers(self):
        self.k.ok(
            'import { comms } from "@proxyrm/kernel";\n'
            "let echoClosed = false;\n"
            'comms.registerTarget("test.echo", (comm, open) => {\n'
            "  comm.send({ opened: open.data });\n"
            "  comm.onMsg = (data, msg) => comm.send({ echo: data, buffers: msg.buffers.length }, { buffers: msg.buffers });\n"
            "  comm.onClose = () => { echoClosed = true; };\n"
            "});"
        )
        comm_id = uuid.uuid4().hex
        self.k.shell("comm_open", {"comm_id": comm_id, "target_name": "test.echo", "data": {"x": 1}})
        self.k.shell("comm_msg", {"comm_id": comm_id, "data": {"y": 2}}, buffers=[b"\x00\x01binary"])
        opened, echoed = self.comm_messages(comm_id, count=2)
        self.assertEqual(opened["content"]["data"], {"opened": {"x": 1}})
        self.assertEqual(echoed["content"]["data"], {"echo": {"y": 2}, "buffers": 1})
        self.assertEqual([bytes(b) for b in echoed["buffers"]], [b"\x00\x01binary"])
        self.k.shell("comm_close", {"comm_id": comm_id, "data": {}})
        time.sleep(0.2)
        self.assertEqual(self.k.value("echoClosed"), "true")

    def test_kernel_opens_a_comm(self):
        outputs = self.k.ok(
            'import { comms } from "@proxyrm/kernel";\n'
            'const kernelComm = comms.open("test.frontend", { n: 1 });\n'
            "const fromFrontend: unknown[] = [];\n"
            "kernelComm.onMsg = (data) => { fromFrontend.push(data); kernelComm.send({ got: data }); };"
        )
        opens = [m for m in outputs if m["msg_type"] == "comm_open"]
        self.assertEqual(len(opens), 1)
        self.assertEqual(opens[0]["content"]["target_name"], "test.frontend")
        self.assertEqual(opens[0]["content"]["data"], {"n": 1})
        comm_id = opens[0]["content"]["comm_id"]
        self.assertEqual(self.comm_info("test.frontend"), {comm_id: {"target_name": "test.frontend"}})

        self.k.shell("comm_msg", {"comm_id": comm_id, "data": {"answer": 42}})
        (got,) = self.comm_messages(comm_id)
        self.assertEqual(got["content"]["data"], {"got": {"answer": 42}})
        self.assertEqual(self.k.value("JSON.stringify(fromFrontend)"), "'[{\"answer\":42}]'")

        outputs = self.k.ok("kernelComm.close({ bye: true })")
        self.assertEqual([(m["msg_type"], m["content"]["data"]) for m in outputs], [("comm_close", {"bye": True})])
        self.assertEqual(self.comm_info("test.frontend"), {})


class LabWidgetTests(SharedKernel):
    """The labelling widget end to end in the kernel: comm messages in, scores journalled, acks out."""

    def comm_messages(self, comm_id, count):
        return CommTests.comm_messages(self, comm_id, count=count)

    def test_label_widget_over_comm(self):
        work = tempfile.mkdtemp(prefix="proxyrm-labwidget-")
        try:
            out = os.path.join(work, "human")
            widget = self.k.value(
                'import { proxyrm } from "@proxyrm/kernel";\n'
                f"const humanRun = await proxyrm.open({{ preset: \"tiny\", seed: 7, out: {out!r}, config: {{ oracle: {{ kind: \"human\", person: \"ann\" }}, baselines: false }} }});\n"
                "const labelWidget = await humanRun.labelWidget({ display: false });\n"
                "labelWidget.widget"
            ).strip("'")
            comm_id = uuid.uuid4().hex
            self.k.shell("comm_open", {"comm_id": comm_id, "target_name": "proxyrm", "data": {"type": "label.next", "widget": widget}})
            (first,) = [m["content"]["data"] for m in self.comm_messages(comm_id, 1)]
            self.assertEqual(first["type"], "label.item")
            self.assertEqual(first["oracle"], "human:ann")
            item = first["item"]
            self.k.shell("comm_msg", {"comm_id": comm_id, "data": {"type": "label.submit", "widget": widget, "response_id": item["response_id"], "score": 4, "note": "<script>x</script>"}})
            ack, nxt = [m["content"]["data"] for m in self.comm_messages(comm_id, 3)[1:]]
            self.assertEqual((ack["type"], ack["response_id"], ack["score"], ack["duplicate"]), ("label.ack", item["response_id"], 4, False))
            self.assertEqual(ack["progress"]["labelled"], 1)
            self.assertEqual(nxt["type"], "label.item")
            with open(os.path.join(out, "ledger.jsonl")) as f:
                scored = [l for l in f.read().splitlines() if '"status":"scored"' in l]
            self.assertEqual(len(scored), 1)
            self.assertIn('"oracle":"human:ann"', scored[0])
            self.k.ok("humanRun.close()")
        finally:
            shutil.rmtree(work, ignore_errors=True)


class InterruptTests(SharedKernel):
    def interrupt_while_running(self, code, after=1.0):
        msg_id = self.k.kc.execute(code)
        # Wait until the cell runs (busy), then give it time to be well inside the loop/await.
        self.k.wait_iopub(lambda m: m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input")
        time.sleep(after)
        started = time.time()
        self.k.km.interrupt_kernel()
        reply = self.k.reply(msg_id, timeout=30)["content"]
        self.assertLess(time.time() - started, 10)
        return reply, self.k.outputs(msg_id)

    def test_busy_loop(self):
        self.k.ok("let survivor = 41")
        reply, outputs = self.interrupt_while_running("survivor++; while (true) {}")
        self.assertEqual((reply["status"], reply["ename"]), ("error", "KeyboardInterrupt"))
        self.assertEqual([m["msg_type"] for m in outputs], ["error"])
        self.assertEqual(self.k.value("survivor"), "42")

    def test_busy_loop_after_an_await(self):
        # Out of breakOnSigint's reach: the interrupt watchdog stops it (docs/kernel.md).
        self.k.ok("let beforeAwait = 'kept'")
        reply, _ = self.interrupt_while_running("await new Promise((r) => setTimeout(r, 10));\nlet spins = 0;\nwhile (true) { spins++ }")
        self.assertEqual(reply["ename"], "KeyboardInterrupt")
        self.assertEqual(self.k.value("beforeAwait"), "'kept'")

    def test_long_await_and_cell_signal(self):
        self.k.ok("let awaitSurvivor = 'kept'")
        reply, _ = self.interrupt_while_running("await new Promise((resolve) => setTimeout(resolve, 600_000))")
        self.assertEqual(reply["ename"], "KeyboardInterrupt")
        self.assertEqual(self.k.value("awaitSurvivor"), "'kept'")

        # A stage that honours the cell's AbortSignal stops, and the signal says why. (Names a
        # failed or interrupted cell declares are dropped, as in tslab; assignments stay.)
        self.k.ok('import { cellSignal } from "@proxyrm/kernel";\nlet stageSignal: AbortSignal | null = null')
        reply, _ = self.interrupt_while_running(
            "stageSignal = cellSignal;\n"
            "await new Promise((_, reject) => cellSignal.addEventListener('abort', () => reject(cellSignal.reason)));"
        )
        self.assertEqual(reply["ename"], "KeyboardInterrupt")
        self.assertEqual(self.k.value("stageSignal?.aborted"), "true")
        self.assertEqual(self.k.value("cellSignal === stageSignal || cellSignal.aborted"), "false")

    def test_interrupt_when_idle_is_harmless(self):
        self.k.km.interrupt_kernel()
        time.sleep(0.3)
        self.assertEqual(self.k.value("6 * 7"), "42")


class StopOnErrorTests(SharedKernel):
    SLOW_ERROR = "await new Promise((r) => setTimeout(r, 500)); throw new Error('queued behind me')"

    def send_batch(self, stop_on_error):
        self.k.ok("let hits = 0")
        ids = [self.k.kc.execute(self.SLOW_ERROR, stop_on_error=stop_on_error)]
        ids += [self.k.kc.execute("hits++") for _ in range(2)]
        return [self.k.reply(i)["content"]["status"] for i in ids]

    def test_queued_requests_aborted(self):
        self.assertEqual(self.send_batch(True), ["error", "aborted", "aborted"])
        self.assertEqual(self.k.value("hits"), "0")

    def test_request_sent_after_the_error_runs(self):
        msg_id = self.k.kc.execute("throw new Error('alone')")
        self.assertEqual(self.k.reply(msg_id)["content"]["status"], "error")
        # Sent the moment the error reply arrives: stock tslab would abort it (200 ms window).
        self.assertEqual(self.k.value("'runs'"), "'runs'")

    def test_stop_on_error_false_aborts_nothing(self):
        self.assertEqual(self.send_batch(False), ["error", "ok", "ok"])
        self.assertEqual(self.k.value("hits"), "2")

    def test_silent_error_aborts_nothing(self):
        ids = [self.k.kc.execute(self.SLOW_ERROR, silent=True), self.k.kc.execute("'after silent'")]
        self.assertEqual([self.k.reply(i)["content"]["status"] for i in ids], ["error", "ok"])


class HistoryTests(SharedKernel):
    def history(self, **kwargs):
        msg_id = self.k.kc.history(raw=True, **kwargs)
        reply = self.k.reply(msg_id)["content"]
        self.assertEqual(reply["status"], "ok")
        return reply["history"]

    def test_one_session_number_everywhere(self):
        self.k.ok("const histA = 'alpha'")
        self.k.value("histA + '!'")
        tail = self.history(hist_access_type="tail", n=2, output=True)
        self.assertEqual([h[2][0] for h in tail], ["const histA = 'alpha'", "histA + '!'"])
        self.assertEqual(tail[1][2][1], "'alpha!'")
        session, line = tail[1][0], tail[1][1]

        ranged = self.history(hist_access_type="range", session=session, start=line, stop=line + 1, output=False)
        self.assertEqual(ranged, [[session, line, "histA + '!'"]])
        self.assertEqual(self.history(hist_access_type="range", session=0, start=line, stop=line + 1, output=False), ranged)
        self.assertEqual(self.history(hist_access_type="range", session=-1, start=1, stop=None, output=False), [])

        found = self.history(hist_access_type="search", pattern="histA*", output=False)
        self.assertEqual({h[0] for h in found}, {session})
        self.assertEqual([h[2] for h in found], ["histA + '!'"])
        self.assertEqual({h[0] for h in tail}, {session})

    def test_execution_count_is_the_line_number(self):
        reply, _ = self.k.execute("'line check'")
        (entry,) = self.history(hist_access_type="tail", n=1, output=False)
        self.assertEqual(entry[1], reply["execution_count"])


class BareFolderTests(unittest.TestCase):
    """A kernel whose working folder has no node_modules: this package and tslab's features still work."""

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="proxyrm-kernel-cwd-")
        with open(os.path.join(cls.folder, "helper.ts"), "w") as f:
            f.write("export function twice(x: number): number { return 2 * x; }\n")
        cls.k = Kernel(cwd=cls.folder)

    @classmethod
    def tearDownClass(cls):
        cls.k.stop()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def test_kernel_package_imports(self):
        code = 'import { comms, COMM_TARGET } from "@proxyrm/kernel"; typeof comms.open + " " + COMM_TARGET'
        self.assertEqual(self.k.value(code), "'function proxyrm'")

    def test_local_ts_module_and_module_cells(self):
        self.assertEqual(self.k.value('import { twice } from "./helper"; twice(21)'), "42")
        self.k.ok("/** @module cellmod */\nexport const fromCell = 5;")
        self.assertEqual(self.k.value('import { fromCell } from "./cellmod"; twice(fromCell)'), "10")


class ShutdownTests(unittest.TestCase):
    def shutdown(self, restart):
        k = Kernel()
        try:
            msg_id = k.kc.shutdown(restart=restart)
            reply = k.reply(msg_id, channel="control")["content"]
            self.assertEqual(reply, {"status": "ok", "restart": restart})
            deadline = time.time() + 10
            while k.km.is_alive() and time.time() < deadline:
                time.sleep(0.05)
            self.assertFalse(k.km.is_alive(), "the kernel process exits after shutdown_reply")
            self.assertEqual(k.km.provisioner.process.returncode, 0)
        finally:
            k.stop()

    def test_shutdown(self):
        self.shutdown(restart=False)

    def test_shutdown_for_restart(self):
        self.shutdown(restart=True)


if __name__ == "__main__":
    unittest.main()
