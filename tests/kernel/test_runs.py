"""The notebook API's run object inside the real kernel, interrupted over the wire: an
interrupt_request (interrupt_mode "message") and a SIGINT (interrupt_mode "signal", the
kernelspec's default) in the middle of run.sft() stop the cell with KeyboardInterrupt at the
next training step, and calling run.sft() again completes.

Run by tests/kernel.protocol.test.ts (JUPYTER_PATH holds the kernelspec).
"""

import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_protocol import Kernel  # noqa: E402

#: Long enough on the tiny model that the interrupt lands mid-training.
SFT_STEPS = 3000


class RunInterruptTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="proxyrm-kernel-runs-")
        cls.k = Kernel()
        cls.k.ok('import * as proxyrm from "@proxyrm/kernel"')

    @classmethod
    def tearDownClass(cls):
        cls.k.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def interrupt_sft(self, name, interrupt):
        out = os.path.join(self.dir, name)
        self.k.ok(f"const {name} = await proxyrm.open({{ preset: 'tiny', seed: 4, out: {out!r}, config: {{ sft: {{ steps: {SFT_STEPS} }} }} }})")
        msg_id = self.k.kc.execute(f"await {name}.sft()")
        # The progress display shows sft training: the stage is mid-way.
        self.k.wait_iopub(
            lambda m: m["parent_header"].get("msg_id") == msg_id
            and m["msg_type"] in ("display_data", "update_display_data")
            and "sft " in m["content"]["data"].get("text/plain", "")
            and " 0/" not in m["content"]["data"].get("text/plain", ""),
            timeout=120,
        )
        interrupt()
        reply = self.k.reply(msg_id, timeout=60)["content"]
        self.assertEqual((reply["status"], reply["ename"]), ("error", "KeyboardInterrupt"), reply)
        self.assertEqual(self.k.value(f"{name}.isDone('sft')"), "false")
        # Called again, the stage runs to the end (no terminate: the run object still works).
        again = self.k.kc.execute(f"(await {name}.sft()).ran")
        self.assertEqual(self.k.reply(again, timeout=300)["content"]["status"], "ok")
        self.assertEqual(self.k.value(f"{name}.isDone('sft')"), "true")

    def test_interrupt_request_mid_sft(self):
        def by_message():
            request = self.k.kc.session.msg("interrupt_request", {})
            self.k.kc.control_channel.send(request)
        self.interrupt_sft("byMessage", by_message)

    def test_sigint_mid_sft(self):
        self.interrupt_sft("bySignal", self.k.km.interrupt_kernel)


if __name__ == "__main__":
    unittest.main()
