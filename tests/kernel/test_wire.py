"""The proxyrm kernel on the wire, from Debian's jupyter_client: signatures (forged and unsigned
messages are ignored, hmac-sha512 works), the heartbeat and control channel answering while a
cell keeps the main thread busy, interrupt_request (interrupt_mode "message") stopping a busy
cell, message order, and a value whose display method throws.

Run by tests/kernel.protocol.test.ts (JUPYTER_PATH holds the kernelspec).
"""

import json
import os
import sys
import time
import unittest
import uuid

import zmq
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_protocol import TIMEOUT, Kernel  # noqa: E402

#: A synchronous stretch on the kernel's main thread, as long as the issue's test asks for.
SYNC_LOOP = "const t0 = Date.now(); while (Date.now() - t0 < 5000) {}; 'done'"


class WireTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.k = Kernel()
        cls.k.ok("1")

    @classmethod
    def tearDownClass(cls):
        cls.k.stop()

    def send_with(self, session, code):
        """An execute_request signed by `session` (same session id, another key), on shell."""
        msg = session.msg("execute_request", {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False})
        session.send(self.k.kc.shell_channel.socket, msg)
        return msg["header"]["msg_id"]

    def assert_ignored(self, msg_id, code_effect):
        # No reply, no status for it; the variable the code would set stays unset.
        with self.assertRaises(Exception):
            self.k.reply(msg_id, timeout=3)
        self.assertNotIn(msg_id, self.k.iopub)
        self.assertEqual(self.k.value(f"typeof (globalThis as any).{code_effect}"), "'undefined'")

    def test_forged_message_is_ignored(self):
        forged = Session(key=b"not-the-key", session=self.k.kc.session.session, signature_scheme="hmac-sha256")
        self.assert_ignored(self.send_with(forged, "(globalThis as any).forgedRan = 1"), "forgedRan")

    def test_unsigned_message_is_ignored(self):
        unsigned = Session(key=b"", session=self.k.kc.session.session)
        self.assert_ignored(self.send_with(unsigned, "(globalThis as any).unsignedRan = 1"), "unsignedRan")

    def test_heartbeat_answers_during_a_5s_synchronous_loop(self):
        ctx = zmq.Context.instance()
        hb = ctx.socket(zmq.REQ)
        hb.linger = 0
        hb.connect(f"{self.k.km.transport}://{self.k.km.ip}:{self.k.km.hb_port}")
        try:
            msg_id = self.k.kc.execute(SYNC_LOOP)
            self.k.wait_iopub(lambda m: m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input")
            time.sleep(0.5)
            answered = 0
            while True:
                hb.send(b"ping")
                self.assertTrue(hb.poll(2000), f"heartbeat silent while the cell runs (after {answered} answers)")
                self.assertEqual(hb.recv(), b"ping")
                answered += 1
                if answered >= 4:
                    break
                time.sleep(0.5)
            reply = self.k.reply(msg_id)
            self.assertEqual(reply["content"]["status"], "ok")
            self.assertGreaterEqual(answered, 4)
        finally:
            hb.close()

    def test_control_answers_kernel_info_during_a_synchronous_loop(self):
        msg_id = self.k.kc.execute(SYNC_LOOP)
        self.k.wait_iopub(lambda m: m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input")
        info = self.k.kc.session.msg("kernel_info_request", {})
        self.k.kc.control_channel.send(info)
        reply = self.k.reply(info["header"]["msg_id"], timeout=3, channel="control")
        self.assertEqual(reply["content"]["implementation"], "proxyrm")
        # The cell was still running when control answered.
        self.assertFalse(any(m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" for m in self.k.iopub.get(msg_id, [])))
        self.assertEqual(self.k.reply(msg_id)["content"]["status"], "ok")

    def interrupt_by_message(self, code, printed=None):
        """Runs code and interrupts it by message, once it printed `printed` (else a second after it started)."""
        msg_id = self.k.kc.execute(code)
        if printed:
            self.k.wait_iopub(lambda m: m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "stream" and printed in m["content"]["text"])
        else:
            self.k.wait_iopub(lambda m: m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input")
        time.sleep(1.0)
        request = self.k.kc.session.msg("interrupt_request", {})
        self.k.kc.control_channel.send(request)
        self.assertEqual(self.k.reply(request["header"]["msg_id"], timeout=3, channel="control")["msg_type"], "interrupt_reply")
        return self.k.reply(msg_id, timeout=30)["content"]

    def test_interrupt_request_stops_a_synchronous_busy_cell(self):
        reply = self.interrupt_by_message("while (true) {}")
        self.assertEqual((reply["status"], reply["ename"]), ("error", "KeyboardInterrupt"))
        self.assertEqual(self.k.value("6 * 7"), "42")

    def test_interrupt_request_stops_a_loop_that_checks_the_abort_flag(self):
        # The way every proxyrm training, sampling and scoring loop checks (src/abort.ts):
        # synchronous steps after an await, out of breakOnSigint's reach, stopped within a step.
        self.k.ok('import { throwIfAborted } from "proxyrm";\nlet stepsRun = 0')
        reply = self.interrupt_by_message(
            "console.log('ready');\nawait new Promise((r) => setTimeout(r, 300));\n"
            "for (;;) { throwIfAborted(undefined, 'busy'); stepsRun++; const t = Date.now(); while (Date.now() - t < 20) {} }",
            printed="ready",
        )
        self.assertEqual(reply["ename"], "KeyboardInterrupt")
        self.assertIn("busy interrupted", reply["evalue"])
        self.assertGreater(int(self.k.value("stepsRun")), 0)

    def test_busy_comes_before_execute_input(self):
        msg_id = self.k.kc.execute("'order'")
        self.k.reply(msg_id)
        self.k.outputs(msg_id)
        types = [m["msg_type"] if m["msg_type"] != "status" else m["content"]["execution_state"] for m in self.k.iopub[msg_id]]
        self.assertEqual(types, ["busy", "execute_input", "execute_result", "idle"])

    def test_clear_output_forgets_the_cells_display_ids(self):
        # A value already shown in a display of this cell is not repeated as Out[n] ...
        self.k.ok('import { display, clearOutput } from "@proxyrm/kernel"')
        make = "({ label: 'shown', [Symbol.for('proxyrm.displayId')]: 'cleared-id' })"
        kept = self.k.ok(f"display({{ 'text/plain': 'x' }}, {{ displayId: 'cleared-id' }});\n{make}")
        self.assertEqual([m["msg_type"] for m in kept], ["display_data"])
        # ... but after clearOutput() it is gone from the screen, so Out[n] shows it.
        cleared = self.k.ok(f"display({{ 'text/plain': 'x' }}, {{ displayId: 'cleared-id' }});\nclearOutput();\n{make}")
        self.assertEqual([m["msg_type"] for m in cleared], ["display_data", "clear_output", "execute_result"])

    def test_a_throwing_display_method_falls_back_to_text_plain(self):
        code = (
            'import { MIME_BUNDLE } from "@proxyrm/kernel";\n'
            "class Broken { label = 'broken'; [MIME_BUNDLE]() { throw new Error('no bundle today'); } }\n"
            "new Broken()"
        )
        reply, outputs = self.k.execute(code)
        self.assertEqual(reply["status"], "ok")
        results = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(results), 1)
        self.assertEqual(list(results[0]["content"]["data"]), ["text/plain"])
        self.assertIn("broken", results[0]["content"]["data"]["text/plain"])
        warnings = [m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == "stderr"]
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn("no bundle today", warnings[0])


class Sha512Tests(unittest.TestCase):
    def test_a_hmac_sha512_connection_works(self):
        km = KernelManager(kernel_name="proxyrm", session=Session(signature_scheme="hmac-sha512", key=uuid.uuid4().hex.encode()))
        km.start_kernel()
        try:
            with open(km.connection_file) as f:
                self.assertEqual(json.load(f)["signature_scheme"], "hmac-sha512")
            kc = km.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=TIMEOUT)
                reply = kc.execute_interactive("6 * 7", timeout=TIMEOUT, output_hook=lambda m: None)
                self.assertEqual(reply["content"]["status"], "ok")
            finally:
                kc.stop_channels()
        finally:
            km.shutdown_kernel(now=True)


if __name__ == "__main__":
    unittest.main()
