"""Protocol behaviour jupyter_kernel_test does not cover, checked with jupyter_client against the installed kernel:
interrupt, stop_on_error, stdin, history, shutdown and a message with a bad signature."""
import time
import unittest

import kernel_session
from kernel_session import TIMEOUT


class OrbitKernelClient(kernel_session.KernelTestCase):
    def setUp(self):
        self.drain()

    def drain(self):
        for get in (self.kc.get_iopub_msg, self.kc.get_shell_msg):
            while True:
                try:
                    get(timeout=0.05)
                except Exception:
                    break

    def outputs(self, msg_id, timeout=TIMEOUT):
        out = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self.kc.get_iopub_msg(timeout=deadline - time.time())
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                return out
            out.append(m)
        self.fail("kernel never went idle after " + msg_id)

    def run_cell(self, code, **kw):
        msg_id = self.kc.execute(code, **kw)
        reply = self.reply_for(msg_id)
        return reply["content"], self.outputs(msg_id)

    def test_interrupt_stops_a_tight_loop_within_a_second_and_kernel_stays_usable(self):
        msg_id = self.kc.execute("while (true) {}")
        time.sleep(1.0)
        t0 = time.time()
        self.km.interrupt_kernel()
        reply = self.reply_for(msg_id, timeout=5)
        elapsed = time.time() - t0
        self.assertEqual(reply["content"]["status"], "error")
        self.assertLess(elapsed, 1.0, "interrupt took %.2fs" % elapsed)
        self.outputs(msg_id)
        content, outs = self.run_cell("20 + 22")
        self.assertEqual(content["status"], "ok")
        self.assertEqual([o["content"]["data"]["text/plain"] for o in outs if o["msg_type"] == "execute_result"], ["42"])

    def test_interrupt_sent_while_the_cell_compiles_still_stops_it(self):
        msg_id = self.kc.execute("class Spin { static void forever() { while (true) {} } }\nSpin.forever();")
        self.wait_until_taken(msg_id)  # then the stop lands while JShell compiles the class or runs the loop
        self.km.interrupt_kernel()
        reply = self.reply_for(msg_id, timeout=10)
        self.assertEqual(reply["content"]["status"], "error")
        self.outputs(msg_id)
        content, _ = self.run_cell("1 + 1")
        self.assertEqual(content["status"], "ok")

    def test_stop_on_error_aborts_cells_queued_behind_the_error(self):
        bad = self.kc.execute('throw new RuntimeException("first")')
        queued = self.kc.execute("1 + 1")
        self.assertEqual(self.reply_for(bad)["content"]["status"], "error")
        self.assertEqual(self.reply_for(queued)["content"]["status"], "aborted")
        # without stop_on_error the next cell runs
        bad = self.kc.execute('throw new RuntimeException("again")', stop_on_error=False)
        after = self.kc.execute("2 + 2")
        self.assertEqual(self.reply_for(bad)["content"]["status"], "error")
        self.assertEqual(self.reply_for(after)["content"]["status"], "ok")
        # and a cell sent after the error was answered runs normally
        content, _ = self.run_cell("3 + 3")
        self.assertEqual(content["status"], "ok")

    def test_stdin_reads_a_line_from_the_frontend(self):
        msg_id = self.kc.execute(
            'String line = new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine(); line.toUpperCase()',
            allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=TIMEOUT)
        self.assertEqual(req["msg_type"], "input_request")
        self.kc.input("orbit rocks")
        self.assertEqual(self.reply_for(msg_id)["content"]["status"], "ok")
        outs = self.outputs(msg_id)
        results = [o["content"]["data"]["text/plain"] for o in outs if o["msg_type"] == "execute_result"]
        self.assertEqual(results, ['"ORBIT ROCKS"'])

    def test_silent_and_store_history_are_honoured(self):
        before, _ = self.run_cell("int counted = 1;")
        silent_id = self.kc.execute("counted + 100", silent=True)
        self.assertEqual(self.reply_for(silent_id)["content"]["status"], "ok")
        self.assertEqual([o for o in self.outputs(silent_id) if o["msg_type"] in ("execute_result", "execute_input")], [])
        after, _ = self.run_cell("int notStored = 2;", store_history=False)
        last, _ = self.run_cell("counted")
        self.assertEqual(last["execution_count"], before["execution_count"] + 1)
        msg_id = self.kc.history(hist_access_type="tail", n=50, output=False, raw=True)
        inputs = [h[2] for h in self.reply_for(msg_id)["content"]["history"]]
        self.assertIn("int counted = 1;", inputs)
        self.assertNotIn("counted + 100", inputs)
        self.assertNotIn("int notStored = 2;", inputs)

    def test_history_range_and_search(self):
        self.run_cell("String histMarker = \"x\";")
        msg_id = self.kc.history(hist_access_type="search", pattern="String histMarker*", n=5, output=False, raw=True)
        hits = self.reply_for(msg_id)["content"]["history"]
        self.assertEqual(len(hits), 1)
        session, line = hits[0][0], hits[0][1]
        msg_id = self.kc.history(hist_access_type="range", session=session, start=line, stop=line + 1, output=True, raw=True)
        rows = self.reply_for(msg_id)["content"]["history"]
        self.assertEqual(rows[0][2][0], 'String histMarker = "x";')

    def test_compile_error_names_line_and_column(self):
        content, outs = self.run_cell("int a = 1;\nint b = a +* 2;")
        self.assertEqual(content["status"], "error")
        tb = "\n".join(content["traceback"])
        self.assertIn("line 2", tb)
        self.assertIn("column", tb)

    def test_runtime_error_has_no_kernel_frames(self):
        content, outs = self.run_cell('Object o = null;\no.toString()')
        self.assertEqual(content["ename"], "java.lang.NullPointerException")
        tb = "\n".join(content["traceback"])
        self.assertNotIn("orbit.kernel", tb)
        self.assertNotIn("jdk.jshell", tb)
        self.assertNotIn("reflect", tb)

    def test_a_variable_reset_by_a_redefined_class_is_reported_in_the_cell(self):
        content, _ = self.run_cell("class Pt { int x = 1; }\nPt pt = new Pt();")
        self.assertEqual(content["status"], "ok")
        content, outs = self.run_cell("class Pt { int x = 1; int y = 2; }")
        self.assertEqual(content["status"], "ok")
        err = "".join(o["content"]["text"] for o in outs if o["msg_type"] == "stream" and o["content"]["name"] == "stderr")
        self.assertIn("warning: variable pt was reset to null because this cell redefined type Pt", err)

    def test_magic_error_is_one_line_without_stack_trace(self):
        content, outs = self.run_cell("%bundle --no-such-option")
        self.assertEqual(content["status"], "error")
        text = "".join(o["content"].get("text", "") for o in outs if o["msg_type"] == "stream")
        self.assertIn("orbit:", text)
        self.assertNotIn("\tat ", text)

    def test_magic_names_and_options_complete_from_the_command_model(self):
        msg_id = self.kc.complete("%bun", 4)
        self.assertIn("bundle", self.reply_for(msg_id)["content"]["matches"])
        msg_id = self.kc.complete("%bundle --he", 12)
        self.assertIn("--help", self.reply_for(msg_id)["content"]["matches"])

    def test_message_with_bad_signature_is_dropped(self):
        session = self.kc.session
        good_key = session.key
        msg = session.msg("execute_request", {"code": "1 + 1", "silent": False, "store_history": True,
                                              "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        session.key = b"not-the-key"
        session.auth = __import__("hmac").HMAC(session.key, digestmod=session.digest_mod)
        try:
            session.send(self.kc.shell_channel.socket, msg)
        finally:
            session.key = good_key
            session.auth = __import__("hmac").HMAC(good_key, digestmod=session.digest_mod)
        with self.assertRaises(Exception):
            self.reply_for(msg["header"]["msg_id"], timeout=1.5)
        content, _ = self.run_cell("5 + 5")
        self.assertEqual(content["status"], "ok")


class OrbitKernelShutdown(unittest.TestCase):
    def test_shutdown_request_ends_the_process_and_restart_gives_a_fresh_kernel(self):
        km, kc = kernel_session.start_kernel()
        try:
            msg_id = kc.execute("int survivor = 7;")
            kc.get_shell_msg(timeout=TIMEOUT)
            km.restart_kernel(now=False)
            kc.wait_for_ready(timeout=60)
            msg_id = kc.execute("survivor")
            reply = kc.get_shell_msg(timeout=TIMEOUT)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = kc.get_shell_msg(timeout=TIMEOUT)
            self.assertEqual(reply["content"]["status"], "error", "a restarted kernel must not remember variables")
            proc = km.provisioner.process if km.provisioner else None
            kc.shutdown()
            reply = kc.get_control_msg(timeout=TIMEOUT) if hasattr(kc, "get_control_msg") else None
            deadline = time.time() + 10
            while time.time() < deadline and km.is_alive():
                time.sleep(0.05)
            self.assertFalse(km.is_alive(), "kernel process still alive after shutdown_request")
        finally:
            kc.stop_channels()
            if km.is_alive():
                km.shutdown_kernel(now=True)



class FreshKernelInterrupt(kernel_session.KernelTestCase):
    """A first cell interrupted at once, while JShell may still be starting: the stop must not be dropped."""

    def test_interrupting_the_first_cell_of_a_fresh_kernel_stops_it(self):
        msg_id = self.kc.execute("while (true) {}")
        # the kernel has taken the cell (busy for it): from here on the stop button must stop it
        self.wait_until_taken(msg_id)
        self.km.interrupt_kernel()
        reply = self.reply_for(msg_id, timeout=15)
        self.assertEqual(reply["content"]["status"], "error")
        again = self.kc.execute("2 + 2")
        self.assertEqual(self.reply_for(again)["content"]["status"], "ok")


if __name__ == "__main__":
    unittest.main()
