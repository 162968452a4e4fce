"""Run a command in a network namespace of its own and report every attempt to reach the
network: the probe behind tests/test_offline.py.

`python -m tests.offline REPORT -- COMMAND...`, started by `unshare --net --mount
--map-root-user`, brings the namespace's loopback up, points /etc/resolv.conf (bind-mounted, in
the namespace only) at a DNS recorder on 127.0.0.1:53 that answers every query REFUSED, and
runs COMMAND under `strace -f` for the socket calls that send (connect, sendto, sendmsg,
sendmmsg). COMMAND's Python processes also load an audit hook (`sitecustomize.py`, written here)
that notes Python-level look-ups and connections to anything but loopback. REPORT (JSON) then
holds the names looked up (`dns`), the non-loopback addresses reached (`strace`), the hook's
notes (`audit`) and COMMAND's exit code. Nothing can leave: the namespace has no route out.
COMMAND can watch the names looked up so far in the file named by $FAQBOT_TEST_DNS_SEEN.

`python -m tests.offline serve PORT HOLD QUESTION` and `python -m tests.offline cli QUESTION`
are the scenarios the test runs as COMMAND: `faqbot serve`, a question, HOLD seconds more of
serving; and `faqbot ask` and `faqbot check`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

FAQBOT = Path(sys.executable).parent / "faqbot"
AUDIT_LOG = "FAQBOT_TEST_AUDIT_LOG"
DNS_SEEN = "FAQBOT_TEST_DNS_SEEN"  # a file COMMAND may read: the names looked up so far, one a line
AUDIT_HOOK = f'''"""Notes Python-level look-ups and connections to anything but loopback."""
import ipaddress, json, os, sys

_LOG = os.environ.get("{AUDIT_LOG}")


def _loopback(host):
    if host is None or host in ("", "localhost", b"localhost"):
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return str(host).endswith(".localhost")


def _hook(event, args):
    if not _LOG or not event.startswith("socket."):
        return
    host = None
    if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                 "socket.gethostbyaddr", "socket.getnameinfo"):
        host = args[0][0] if event == "socket.getnameinfo" else args[0]
    elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        address = args[1]
        if not isinstance(address, tuple):
            return  # a Unix socket's path
        host = address[0]
    else:
        return
    if not _loopback(host):
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps({{"pid": os.getpid(), "event": event, "host": repr(host)}}) + "\\n")


sys.addaudithook(_hook)
'''
_INET = re.compile(r'inet_(?:addr|pton)\((?:AF_INET6, )?"(?P<host>[^"]+)"')


def record_dns(sock: socket.socket, names: list[str], seen: Path) -> None:
    """Note the name in each DNS query arriving on `sock` (UDP), also in the file `seen`, and
    refuse it at once."""
    while True:
        try:
            data, sender = sock.recvfrom(4096)
        except OSError:
            return
        labels, i = [], 12
        while i < len(data) and data[i]:
            labels.append(data[i + 1 : i + 1 + data[i]].decode("ascii", "replace"))
            i += 1 + data[i]
        names.append(".".join(labels))
        with seen.open("a", encoding="utf-8") as f:
            f.write(names[-1] + "\n")
        with contextlib.suppress(OSError):  # header: a response, REFUSED
            sock.sendto(data[:2] + bytes([0x81, 0x85]) + data[4:], sender)


def non_loopback(trace: str) -> list[str]:
    """The strace lines that reach an internet address other than loopback."""
    found = []
    for line in trace.splitlines():
        for match in _INET.finditer(line):
            host = match["host"]
            with contextlib.suppress(ValueError):
                if not ipaddress.ip_address(host).is_loopback:
                    found.append(line.strip())
    return found


def probe(report: Path, command: list[str]) -> int:
    """Inside the namespace: set it up, run `command` watched, write the report."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    resolv = report.with_suffix(".resolv.conf")
    resolv.write_text("nameserver 127.0.0.1\noptions attempts:1 timeout:1\n", encoding="utf-8")
    subprocess.run(["mount", "--bind", str(resolv), "/etc/resolv.conf"], check=True)
    names: list[str] = []
    seen = report.with_suffix(".dns")
    seen.write_text("", encoding="utf-8")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 53))
    threading.Thread(target=record_dns, args=(udp, names, seen), daemon=True).start()
    tcp = socket.create_server(("127.0.0.1", 53))  # a look-up over TCP shows as a connection
    hook_dir = report.parent / "audit-hook"
    hook_dir.mkdir(exist_ok=True)
    (hook_dir / "sitecustomize.py").write_text(AUDIT_HOOK, encoding="utf-8")
    audit = report.with_suffix(".audit")
    audit.write_text("", encoding="utf-8")
    trace = report.with_suffix(".strace")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(hook_dir), os.environ.get("PYTHONPATH", "")]),
        AUDIT_LOG: str(audit),
        DNS_SEEN: str(seen),
    }
    strace = shutil.which("strace")
    watched = [strace, "-f", "-qq", "--seccomp-bpf", "-o", str(trace)] if strace else []
    watched += ["-e", "trace=connect,sendto,sendmsg,sendmmsg", "--"] if strace else []
    code = subprocess.run([*watched, *command], env=env, timeout=600).returncode
    time.sleep(0.3)  # the recorder's last query
    udp.close()
    tcp.close()
    traced = trace.read_text(encoding="utf-8", errors="replace") if strace else ""
    report.write_text(
        json.dumps(
            {
                "code": code,
                "dns": names,
                "strace": non_loopback(traced) if strace else None,
                "traced_calls": len(traced.splitlines()),
                "audit": [json.loads(line) for line in audit.read_text().splitlines()],
            }
        ),
        encoding="utf-8",
    )
    return 0


def serve_and_ask(port: int, hold: float, question: str) -> int:
    """`faqbot serve`, a question once it answers health, then `hold` seconds more."""
    server = subprocess.Popen([str(FAQBOT), "serve", "--port", str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/health", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    print("the server did not start", file=sys.stderr)
                    return 1
                time.sleep(0.1)
        body = json.dumps({"question": question}).encode()
        ask = urllib.request.Request(f"{base}/api/ask", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(ask, timeout=30) as reply:
            kind = json.load(reply)["kind"]
        print(f"asked: {kind}", flush=True)
        time.sleep(hold)
        return 0
    finally:
        server.terminate()
        server.wait(timeout=30)


def ask_and_check(question: str) -> int:
    """`faqbot ask` and `faqbot check`."""
    asked = subprocess.run([str(FAQBOT), "ask", "--json", question], check=False)
    checked = subprocess.run([str(FAQBOT), "check"], check=False)
    return asked.returncode or checked.returncode


def main(argv: list[str]) -> int:
    if argv[0] == "serve":
        return serve_and_ask(int(argv[1]), float(argv[2]), argv[3])
    if argv[0] == "cli":
        return ask_and_check(argv[1])
    report, command = Path(argv[0]), argv[argv.index("--") + 1 :]
    return probe(report, command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
