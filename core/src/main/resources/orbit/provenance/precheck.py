"""ORBIT runtime precheck: did the critical dependencies resolve to what we meant?

Run by scripts/launch.sh with the job's interpreter, in the job's working directory and environment,
so the import path is the one training will see. Writes artifacts/runtime-precheck.log (read this first)
and artifacts/precheck.json (orbit.precheck.v1, the same facts), and artifacts/pip-freeze.txt (the installed
distributions, read through importlib.metadata rather than a pip subprocess).
`precheck.py BUNDLE [--all | --checks | --freeze]`: everything (the default), the checks only (what gates the
training), or the freeze only (recorded beside the training, since nothing in it can fail a run). Exit 0 when every critical
dependency imports, the staged fork (if any) is the one imported and every pinned upstream's staged checkout
is at its commit with a clean tree; exit 1 otherwise, and training is not
started. Standard library only.
"""
import datetime
import hashlib
import importlib
import json
import os
import pathlib
import shutil
import sys
import traceback

SKIP_DIRS = {"__pycache__"}
SKIP_SUFFIXES = (".pyc", ".pyo")


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree_files(root):
    """Relative POSIX paths of the files under root, sorted, without bytecode caches."""
    root = pathlib.Path(root)
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in filenames:
            if name.endswith(SKIP_SUFFIXES):
                continue
            out.append(pathlib.Path(dirpath, name).relative_to(root).as_posix())
    return sorted(out)


def digest_listing(pairs):
    """The aggregate digest: sha256 over "<path>\\0<sha256>\\n" for each file, in path order."""
    h = hashlib.sha256()
    for rel, digest in sorted(pairs):
        h.update(rel.encode("utf-8") + b"\0" + digest.encode("ascii") + b"\n")
    return h.hexdigest()


def module_location(module):
    """(file, root): the resolved __file__ and the directory (package) or file (module) it stands for."""
    f = getattr(module, "__file__", None)
    paths = list(getattr(module, "__path__", []) or [])
    if f:
        file = pathlib.Path(f).resolve()
        return file, (file.parent if paths else file)
    if paths:  # namespace package
        root = pathlib.Path(paths[0]).resolve()
        return root, root
    return None, None


def files_sha256(root):
    if root is None:
        return None
    if root.is_file():
        return sha256_file(root)
    return digest_listing((rel, sha256_file(root / rel)) for rel in tree_files(root))


def version_of(name, module):
    v = getattr(module, "__version__", None)
    if v is not None:
        return str(v)
    try:
        from importlib import metadata
        return metadata.version(name)
    except Exception:
        return "unknown"


def check_dep(name, log):
    entry = {"name": name, "ok": False, "version": None, "path": None, "files_sha256": None, "error": None}
    try:
        module = importlib.import_module(name)
    except BaseException as e:  # an import may raise anything, even SystemExit
        entry["error"] = "%s: %s" % (type(e).__name__, e)
        log("%s runtime import FAILED: %s" % (name, entry["error"]))
        return entry, None
    file, root = module_location(module)
    entry.update(ok=True, version=version_of(name, module), path=str(file) if file else None,
                 files_sha256=files_sha256(root))
    log("%s runtime import ok: version=%s path=%s" % (name, entry["version"], entry["path"]))
    log("%s files sha256=%s (over %s)" % (name, entry["files_sha256"], root))
    return entry, module


def check_fork(bundle, fork, log):
    fork_root = (bundle / "inputs" / fork["path"]).resolve()
    module_name = fork["module"]
    expected = fork_root / pathlib.Path(*module_name.split("."))
    result = {"module": module_name, "expected_path": str(expected), "resolved_path": None,
              "manifest": None, "ok": False, "mismatches": []}
    mismatches = result["mismatches"]
    manifest_file = fork_root / "FORK_MANIFEST.json"
    manifest = None
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        result["manifest"] = {"path": str(manifest_file), "repository": manifest.get("upstream", {}).get("repository"),
                              "commit": manifest.get("upstream", {}).get("commit"),
                              "files_sha256": manifest.get("files_sha256")}
        if manifest.get("module") != module_name:
            mismatches.append("FORK MISMATCH: FORK_MANIFEST.json names module %s, job.json names %s"
                              % (manifest.get("module"), module_name))
    except FileNotFoundError:
        mismatches.append("FORK MISMATCH: no FORK_MANIFEST.json at %s" % manifest_file)
    except Exception as e:
        mismatches.append("FORK MISMATCH: FORK_MANIFEST.json unreadable: %s: %s" % (type(e).__name__, e))

    try:
        module = importlib.import_module(module_name)
        _, root = module_location(module)
        result["resolved_path"] = str(root) if root else None
    except BaseException as e:
        root = None
        mismatches.append("FORK MISMATCH: expected %s got import failure %s: %s" % (expected, type(e).__name__, e))
    if root is not None:
        inside = root == fork_root or fork_root in root.parents
        if not inside:
            mismatches.append("FORK MISMATCH: expected %s got %s" % (expected, root))

    if manifest is not None:
        listed = {f["path"]: f["sha256"] for f in manifest.get("files", [])}
        for rel, want in sorted(listed.items()):
            p = fork_root / rel
            if not p.is_file():
                mismatches.append("FORK MISMATCH: file %s listed in FORK_MANIFEST.json is missing" % rel)
                continue
            got = sha256_file(p)
            if got != want:
                mismatches.append("FORK MISMATCH: file %s expected sha256 %s got %s" % (rel, want, got))
        present = [rel for rel in tree_files(fork_root) if rel != "FORK_MANIFEST.json"]
        for rel in present:
            if rel not in listed:
                mismatches.append("FORK MISMATCH: file %s is not in FORK_MANIFEST.json" % rel)
        if manifest.get("files_sha256") and manifest["files_sha256"] != digest_listing(listed.items()):
            mismatches.append("FORK MISMATCH: files_sha256 in FORK_MANIFEST.json does not match its file list")

    result["ok"] = not mismatches
    for m in mismatches:
        log(m)
    if result["ok"]:
        log("fork %s ok: resolved=%s inside staged fork %s, %d files match FORK_MANIFEST.json (upstream %s @ %s)"
            % (module_name, result["resolved_path"], fork_root, len(manifest.get("files", [])),
               result["manifest"]["repository"], result["manifest"]["commit"]))
    return result


def change_kind(code):
    """The word for a porcelain v1 status code, as `orbit upstream check` prints it."""
    if code == "??":
        return "untracked"
    if "D" in code:
        return "deleted"
    if "A" in code:
        return "added"
    if "R" in code:
        return "renamed"
    return "modified"


def check_upstream(bundle, pin, git, log):
    """HEAD at the pinned commit and nothing modified or untracked (ignored files do not count).

    `git --no-optional-locks status`: a plain `git status` rewrites the index, which is a staged input itself.
    """
    name, commit = pin.get("name"), pin.get("commit")
    checkout = bundle / "inputs" / "upstream" / str(name)
    result = {"name": name, "commit": commit, "head": None, "dirty": [], "ok": False, "problems": []}
    problems = result["problems"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["LC_ALL"] = "C"
    if git is None:
        problems.append("upstream %s: git is not installed on this host: install git (pinned upstreams are checked with it)" % name)
    elif not (checkout / ".git").is_dir():
        problems.append("upstream %s: not staged at inputs/upstream/%s: stage it with `orbit upstream pin`" % (name, name))
    else:
        import subprocess  # only here: most prechecks never start a process
        head = subprocess.run([git, "rev-parse", "--verify", "--quiet", "HEAD"], cwd=str(checkout), env=env,
                              capture_output=True, timeout=300)
        result["head"] = head.stdout.decode("utf-8", "replace").strip() or None
        if result["head"] != commit:
            problems.append("upstream %s: HEAD is %s, pinned %s" % (name, result["head"], commit))
        status = subprocess.run([git, "--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=all"],
                                cwd=str(checkout), env=env, capture_output=True, timeout=600)
        if status.returncode != 0:
            problems.append("upstream %s: git status failed: %s" % (name, status.stderr.decode("utf-8", "replace").strip()))
        fields = status.stdout.decode("utf-8", "surrogateescape").split("\0")
        i = 0
        while i < len(fields):
            f = fields[i]
            i += 1
            if len(f) < 4:
                continue
            code, path = f[:2], f[3:]
            if "R" in code or "C" in code:
                i += 1  # the original path of a rename or copy
            result["dirty"].append({"code": code, "kind": change_kind(code), "path": path})
            problems.append("upstream %s: %s: %s" % (name, change_kind(code), path))
    result["ok"] = not problems
    for p in problems:
        log(p)
    if result["ok"]:
        log("upstream %s: clean at %s" % (name, commit))
    return result


def check_reference(reference, deps, log):
    """A clone's job.json names the run it re-runs and how its dependencies resolved there: say which still match.

    Recorded, not enforced: a re-run on another host may be meant to differ, and the report says where it does."""
    found = {d["name"]: d for d in deps}
    result = {"source": reference.get("source"), "same": True, "differences": [], "deps": []}
    for ref in reference.get("deps") or []:
        name = ref.get("name")
        got = found.get(name)
        if got is None:
            # only critical_deps are imported: the reference names what to compare, never what to run
            got = {"version": None, "files_sha256": None, "path": None}
        entry = {"name": name, "same": False,
                 "version": got.get("version"), "reference_version": ref.get("version"),
                 "files_sha256": got.get("files_sha256"), "reference_files_sha256": ref.get("files_sha256"),
                 "path": got.get("path"), "reference_path": ref.get("path")}
        why = [] if name in found else ["not among this job's critical_deps, not checked"]
        if name in found and entry["version"] != entry["reference_version"]:
            why.append("version %s (reference %s)" % (entry["version"], entry["reference_version"]))
        if name in found and entry["files_sha256"] != entry["reference_files_sha256"]:
            why.append("files sha256 %s (reference %s)" % (entry["files_sha256"], entry["reference_files_sha256"]))
        entry["same"] = not why
        result["deps"].append(entry)
        if why:
            result["same"] = False
            line = "%s: %s" % (name, ", ".join(why))
            result["differences"].append(line)
            log("REFERENCE DIFFERS from %s: %s" % (result["source"], line))
        else:
            log("reference: %s resolves as in %s (version %s, files sha256 %s)"
                % (name, result["source"], entry["version"], entry["files_sha256"]))
    return result


def pip_freeze(artifacts, log):
    """artifacts/pip-freeze.txt: the installed distributions as `pip freeze --all` names them, read through
    importlib.metadata in this process (a pip subprocess costs a second or more at every launch)."""
    try:
        from importlib import metadata
    except ImportError as e:
        log("pip freeze: not run (%s)" % e)
        return
    seen = {}
    try:
        for dist in metadata.distributions():  # in sys.path order: the first of a name is the one imported
            name = dist.metadata["Name"] if dist.metadata else None
            if not name:
                continue
            key = name.lower().replace("_", "-")
            if key in seen:
                continue
            line = "%s==%s" % (name, dist.version)
            direct = dist.read_text("direct_url.json")
            if direct:
                try:
                    url = json.loads(direct).get("url")
                    if url:
                        line = "%s @ %s" % (name, url)
                except ValueError:
                    pass
            seen[key] = line
    except Exception as e:
        log("pip freeze: not run (%s: %s)" % (type(e).__name__, e))
        return
    lines = sorted(seen.values(), key=str.lower)
    (artifacts / "pip-freeze.txt").write_text("".join(l + "\n" for l in lines), encoding="utf-8")
    log("pip freeze: %d packages written to artifacts/pip-freeze.txt (importlib.metadata)" % len(lines))


def training_path_entry(argv):
    """What Python will put first on sys.path for the training command: the script's directory, or the cwd."""
    if len(argv) >= 2 and argv[1] in ("-c", "-m"):
        return os.getcwd()
    if len(argv) >= 2 and argv[1].endswith(".py"):
        return str(pathlib.Path(argv[1]).resolve().parent)
    return None


def main():
    # The precheck only reads: no bytecode caches written into staged inputs (a fork) or anywhere else.
    sys.dont_write_bytecode = True
    # Python put this script's directory (scripts/) first on sys.path; training never sees it, so neither should we.
    here = str(pathlib.Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if p and str(pathlib.Path(p).resolve()) != here]
    bundle = pathlib.Path(sys.argv[1]).resolve()
    mode = sys.argv[2] if len(sys.argv) > 2 else "--all"
    if mode not in ("--all", "--checks", "--freeze"):
        print("precheck: unknown mode %s (use --all, --checks or --freeze)" % mode, file=sys.stderr)
        return 2
    artifacts = bundle / "artifacts"
    job = json.loads((bundle / "job.json").read_text(encoding="utf-8"))
    first = training_path_entry(job.get("entrypoint", {}).get("argv", []))
    if first is not None:
        sys.path.insert(0, first)
    log_file = open(artifacts / "runtime-precheck.log", "a", encoding="utf-8")

    def log(line):
        log_file.write("%s %s\n" % (now(), line))
        log_file.flush()

    if mode == "--freeze":
        pip_freeze(artifacts, log)
        log_file.close()
        return 0
    log("precheck: python=%s version=%s" % (pathlib.Path(sys.executable).resolve(), sys.version.split()[0]))
    log("precheck: cwd=%s sys.path=%s" % (os.getcwd(), json.dumps(sys.path)))
    report = {"schema_version": "orbit.precheck.v1", "ok": False,
              "python": {"path": str(pathlib.Path(sys.executable).resolve()), "version": sys.version.split()[0]},
              "deps": [], "fork": None, "reference": None, "checked_at": None}
    ok = True
    for name in job.get("critical_deps") or []:
        entry, _ = check_dep(name, log)
        report["deps"].append(entry)
        ok = ok and entry["ok"]
    fork = job.get("fork")
    if fork:
        report["fork"] = check_fork(bundle, fork, log)
        ok = ok and report["fork"]["ok"]
    pins = job.get("upstream") or []
    if pins:
        git = shutil.which("git")
        report["upstream"] = [check_upstream(bundle, pin, git, log) for pin in pins]
        ok = ok and all(u["ok"] for u in report["upstream"])
    if job.get("reference"):
        report["reference"] = check_reference(job["reference"], report["deps"], log)
    if mode == "--all":
        pip_freeze(artifacts, log)
    report["ok"] = ok
    report["checked_at"] = now()
    tmp = artifacts / ".precheck.json.tmp"
    tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, artifacts / "precheck.json")
    log("precheck: %s" % ("ok" if ok else "FAILED: training will not start"))
    log_file.close()
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc()
        sys.exit(2)
