"""A notebook written the JJava/IJava way (%jars, %addMavenRepo, %maven, %%loadFromPOM, %load, %lsmagic) runs on the
installed orbit kernel through nbclient. ORBIT_TEST_JJAVA_DIR holds what JupyterProtocolTest built for it: demo.jar,
a file:// Maven repository with orbit.test:greeter and orbit.test:counter, and setup.jsh."""
import os
import unittest

import nbformat
from nbclient import NotebookClient

DIR = os.environ["ORBIT_TEST_JJAVA_DIR"]
REPO = "file://" + os.path.join(DIR, "repo")

CELLS = [
    "%lsmagic",
    "%jars " + os.path.join(DIR, "demo.jar"),
    "new demo.Foo().answer()",
    "%addMavenRepo local " + REPO,
    "%maven orbit.test:greeter:1.0",
    'new greeter.Greeter().greet("jjava")',
    "%%loadFromPOM\n<properties><counter.version>1.0</counter.version></properties>\n<dependency>\n"
    "  <groupId>orbit.test</groupId>\n  <artifactId>counter</artifactId>\n  <version>${counter.version}</version>\n</dependency>",
    "new counter.Counter().next()",
    "%load " + os.path.join(DIR, "setup.jsh"),
    "triple(14)",
    "%bundel list",
    "%help",
]


def text(outputs, kind):
    out = []
    for o in outputs:
        if o["output_type"] == "stream" and o["name"] == kind:
            out.append(o["text"])
    return "".join(out)


def value(outputs):
    for o in outputs:
        if o["output_type"] == "execute_result":
            return o["data"]["text/plain"]
    return None


class JJavaNotebook(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
        NotebookClient(nb, kernel_name="orbit", allow_errors=True, timeout=120, startup_timeout=60).execute()
        cls.out = [c["outputs"] for c in nb.cells]

    def errors(self, i):
        return [o for o in self.out[i] if o["output_type"] == "error"]

    def test_every_cell_but_the_misspelt_one_runs(self):
        failed = [(CELLS[i], self.errors(i), text(self.out[i], "stderr")) for i in range(len(CELLS))
                  if self.errors(i) and i != CELLS.index("%bundel list")]
        self.assertEqual([], failed)

    def test_lsmagic_lists_line_and_cell_magics(self):
        s = text(self.out[0], "stdout")
        for m in ("%jars", "%maven", "%classpath", "%addMavenRepo", "%load", "%bundle", "%%loadFromPOM"):
            self.assertIn(m, s)

    def test_jars_maven_and_pom_put_classes_on_the_class_path(self):
        self.assertEqual("42", value(self.out[2]))
        self.assertEqual('"hello jjava"', value(self.out[5]))
        self.assertEqual("1", value(self.out[7]))
        self.assertEqual("", text(self.out[4], "stderr"), "success is plain output")
        self.assertIn("greeter-1.0.jar", text(self.out[4], "stdout"))

    def test_load_runs_a_file_of_java(self):
        self.assertEqual("42", value(self.out[9]))

    def test_unknown_magic_is_one_line_with_a_suggestion(self):
        i = CELLS.index("%bundel list")
        self.assertEqual("unknown magic %bundel: did you mean %bundle? (%help lists them)\n", text(self.out[i], "stderr"))
        self.assertEqual(1, len(self.errors(i)))
        self.assertEqual([], self.errors(i)[0]["traceback"])

    def test_help_names_as_display_and_the_java_entry_points(self):
        s = text(self.out[CELLS.index("%help")], "stdout")
        for w in ("--as", "display(", "Artifacts.of(", "Orbit.bundle(", "%lsmagic"):
            self.assertIn(w, s)


if __name__ == "__main__":
    unittest.main()
