"""Correctly signed requests the kernel cannot process get an error reply naming the problem, and the kernel goes on
answering: a null code, code of the wrong type, missing content."""
import unittest

import kernel_session


class BadRequests(kernel_session.KernelTestCase):
    def send(self, msg_type, content):
        msg = self.kc.session.msg(msg_type, content)
        self.kc.session.send(self.kc.shell_channel.socket, msg)
        return msg["header"]["msg_id"]

    def assert_answers_one_plus_one(self):
        reply = self.reply_for(self.kc.execute("1 + 1"))
        self.assertEqual(reply["content"]["status"], "ok")

    def test_null_code_gets_an_error_reply_and_the_kernel_goes_on(self):
        msg_id = self.send("execute_request", {"code": None, "silent": False, "store_history": True,
                                               "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        reply = self.reply_for(msg_id)
        self.assertEqual(reply["msg_type"], "execute_reply")
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["evalue"],
                         "execute_request: content.code is missing or null: send the code as a string")
        self.assert_answers_one_plus_one()

    def test_unreadable_and_missing_content_get_error_replies(self):
        wrong_type = self.send("execute_request", {"code": {"not": "a string"}, "silent": False})
        reply = self.reply_for(wrong_type)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertTrue(reply["content"]["evalue"].startswith("execute_request: content is not a valid execute_request: "),
                        reply["content"]["evalue"])
        no_code = self.send("complete_request", {"cursor_pos": 0})
        reply = self.reply_for(no_code)
        self.assertEqual(reply["msg_type"], "complete_reply")
        self.assertEqual(reply["content"]["status"], "error")
        self.assertIn("content.code is missing", reply["content"]["evalue"])
        self.assert_answers_one_plus_one()


if __name__ == "__main__":
    unittest.main()
