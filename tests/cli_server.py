"""A process that has imported what every `python -m tweetsent` command imports (torch, transformers, pandas,
scikit-learn: about 7 s of CPU a process on this machine's cores) and forks a child for each command the tests run.
The child is the command as a user starts it: its own process, working folder, argv, stdin/stdout/stderr and exit code,
`-m` semantics (`sys.path[0]` is the working folder), its exit as the interpreter's (non-daemon threads joined, atexit
handlers run, streams flushed; the 2 s of tearing down every module's objects are skipped). Only the imports are shared,
done once with the same environment and warning filters. Requests come as JSON lines on the
descriptor the parent passes; each is answered with the child's pid, then its exit code."""
import json
import os
import sys

channel_in, channel_out = int(sys.argv[1]), int(sys.argv[2])
import pandas  # noqa: E402, F401
import sklearn.base  # noqa: E402, F401
import torch  # noqa: E402, F401
import transformers  # noqa: E402, F401

import tweetsent.cli  # noqa: E402, F401
import tweetsent.variants  # noqa: E402, F401

reader = os.fdopen(channel_in, "r", buffering=1)


def answer(value) -> None:
    os.write(channel_out, f"{value}\n".encode())


answer("ready")
while True:
    line = reader.readline()
    if not line: os._exit(0)
    request = json.loads(line)
    pid = os.fork()
    if pid == 0: break
    answer(pid)
    _, status = os.waitpid(pid, 0)
    answer(os.waitstatus_to_exitcode(status))

# the child: the command, as `python -m tweetsent ARGS` in `cwd`
reader.close(); os.close(channel_out)
os.chdir(request["cwd"])
for fd, (path, mode) in enumerate([(request["stdin"], os.O_RDONLY), (request["stdout"], os.O_WRONLY),
                                   (request["stderr"], os.O_WRONLY)]):
    target = os.open(path, mode); os.dup2(target, fd); os.close(target)
sys.path[0] = os.getcwd()
sys.argv = ["-m", *request["args"]]
import atexit  # noqa: E402
import runpy  # noqa: E402
import threading  # noqa: E402

try:
    runpy.run_module("tweetsent", run_name="__main__", alter_sys=True); code = 0
except SystemExit as e:
    if e.code is None or isinstance(e.code, int): code = e.code or 0
    else: print(e.code, file=sys.stderr); code = 1
except BaseException:
    sys.excepthook(*sys.exc_info()); code = 1
threading._shutdown()   # type: ignore[attr-defined]  # what Py_FinalizeEx does first
atexit._run_exitfuncs()
for stream in (sys.stdout, sys.stderr):
    try: stream.flush()
    except Exception: pass
os._exit(code)
