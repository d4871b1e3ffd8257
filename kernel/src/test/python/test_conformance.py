"""The Jupyter project's conformance suite (jupyter_kernel_test) against the installed Java (ORBIT) kernel."""
import unittest

import jupyter_kernel_test


class OrbitKernelConformance(jupyter_kernel_test.KernelTests):
    kernel_name = "orbit"
    language_name = "java"
    file_extension = ".jshell"

    code_hello_world = 'System.out.println("hello, world");'
    code_stderr = 'System.err.println("oops");'
    completion_samples = [
        {"text": "String.valueO", "matches": {"valueOf("}},
        {"text": "Math.ab", "matches": {"abs(", "absExact("}},
    ]
    complete_code_samples = ["1 + 1", "int x = 3;", "void f() { }", "%help"]
    incomplete_code_samples = ["int x = ", "void f() {", "for (int i = 0; i < 3; i++) {"]
    invalid_code_samples = ["}", "1 +* )"]
    code_generate_error = 'throw new IllegalStateException("boom")'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"ab".repeat(2)', "result": '"abab"'},
        {"code": "java.util.List.of(1, 2)", "result": "[1, 2]"},
    ]
    code_display_data = [
        {"code": 'display(Table.create("runs"))', "mime": "text/html"},
        {"code": 'display(new java.awt.image.BufferedImage(4, 4, java.awt.image.BufferedImage.TYPE_INT_RGB))', "mime": "image/png"},
    ]
    code_history_pattern = "6 * *"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "Math.max"
    code_clear_output = "clearOutput();"


if __name__ == "__main__":
    unittest.main()
