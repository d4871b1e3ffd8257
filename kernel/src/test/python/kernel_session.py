"""The installed ORBIT kernel started through jupyter_client for protocol tests, and the waits they share.
Not a test module itself: the test modules subclass KernelTestCase."""
import time
import unittest

from jupyter_client.manager import start_new_kernel

TIMEOUT = 30


def start_kernel():
    """(manager, client) of a fresh kernel named "orbit" (the kernelspec the Java test installed), ready to use."""
    return start_new_kernel(kernel_name="orbit", startup_timeout=60)


class KernelTestCase(unittest.TestCase):
    """One kernel for all the tests of a class (self.km, self.kc), shut down after the last of them."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_kernel()

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def reply_for(self, msg_id, timeout=TIMEOUT):
        """The shell reply to msg_id, skipping replies to earlier requests."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self.kc.get_shell_msg(timeout=deadline - time.time())
            if m["parent_header"].get("msg_id") == msg_id:
                return m
        self.fail("no reply for " + msg_id)

    def wait_until_taken(self, msg_id, timeout=TIMEOUT):
        """Waits until the kernel says it is busy with msg_id: it has taken the cell (no sleeping on a guess)."""
        deadline = time.time() + timeout
        while True:
            m = self.kc.get_iopub_msg(timeout=deadline - time.time())
            if (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                    and m["content"]["execution_state"] == "busy"):
                return
