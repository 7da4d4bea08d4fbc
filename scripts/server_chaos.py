#!/usr/bin/env python3
"""Server chaos suite: hostile clients and exhausted resources against `creative serve`.

Run through scripts/server-chaos.sh (which picks the binaries and raises limits); this file does
the work with the Python 3 standard library only. Each case runs once per binary, alternating
(case 1 before, case 1 after, case 2 before, ...), each time on a fresh library and a fresh server
started with `--port 0`. Every process it starts is killed by its pid; the tmpfs of case 6 is
unmounted; the work folder is removed unless SERVER_CHAOS_KEEP=1.

  python3 scripts/server_chaos.py run            the suite (configured by the environment, see
                                                 scripts/server-chaos.sh)
  python3 scripts/server_chaos.py _attack ...    internal: the hostile-client process of cases 1-2
"""
import asyncio
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib

ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
SECTION = "## Server under attack (scripts/server-chaos.sh)"


def env(name, default):
    value = os.environ.get(name, "")
    if value == "":
        return default
    return type(default)(value)


def say(text):
    print(f"[server-chaos {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def now():
    return time.monotonic()


def p99(values):
    """Nearest-rank 99th percentile (the maximum below 100 samples)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, -(-99 * len(ordered) // 100) - 1)]


def fmt_ms(seconds):
    if seconds is None:
        return "—"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms"


def rand_token():
    return "".join(random.choice(ALPHABET) for _ in range(32))


# --- a minimal HTTP/1.1 client (blocking sockets) ------------------------------------------------

class Closed(Exception):
    pass


def read_response(f, method="GET"):
    """Reads one response from a socket file; returns (status, headers, body)."""
    line = f.readline(65537)
    if not line:
        raise Closed("connection closed before a response")
    parts = line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise Closed(f"bad status line {line[:60]!r}")
    status = int(parts[1])
    headers = {}
    while True:
        h = f.readline(65537)
        if not h:
            raise Closed("connection closed in the headers")
        if h in (b"\r\n", b"\n"):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    body = b""
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return status, headers, body
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size_line = f.readline(1024)
            if not size_line:
                raise Closed("connection closed in a chunk")
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while f.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                break
            chunks.append(f.read(size))
            f.readline(3)
        body = b"".join(chunks)
    elif "content-length" in headers:
        n = int(headers["content-length"])
        body = f.read(n)
        if len(body) < n:
            raise Closed("connection closed in the body")
    else:
        body = f.read()
        headers["connection"] = "close"
    return status, headers, body


def build_request(method, path, port, headers=None, body=b""):
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Conn:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, port, timeout=10.0):
        self.port, self.timeout = port, timeout
        self.sock = self.file = None

    def close(self):
        for x in (self.file, self.sock):
            try:
                x and x.close()
            except OSError:
                pass
        self.sock = self.file = None

    def request(self, method, path, headers=None, body=b"", timeout=None):
        timeout = timeout or self.timeout
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
            self.file = self.sock.makefile("rb")
        self.sock.settimeout(timeout)
        try:
            self.sock.sendall(build_request(method, path, self.port, headers, body))
            status, h, b = read_response(self.file, method)
        except BaseException:
            self.close()
            raise
        if h.get("connection", "").lower() == "close":
            self.close()
        return status, h, b


def http_once(port, method, path, headers=None, body=b"", timeout=10.0):
    c = Conn(port, timeout)
    try:
        return c.request(method, path, headers, body)
    finally:
        c.close()


def error_code(body):
    try:
        return json.loads(body).get("error", {}).get("code")
    except Exception:
        return None


# --- measuring threads ---------------------------------------------------------------------------

class Prober(threading.Thread):
    """Sequential GET /healthz, a new connection each, until stopped. A failed or timed-out
    probe counts as `timeout` seconds."""

    def __init__(self, port, timeout=10.0, pause=0.05):
        super().__init__(daemon=True)
        self.port, self.timeout, self.pause = port, timeout, pause
        self.samples = []  # (start, seconds, ok)
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            t0 = now()
            ok = False
            try:
                status, _, _ = http_once(self.port, "GET", "/healthz", timeout=self.timeout)
                ok = status == 200
            except Exception:
                pass
            dt = now() - t0
            self.samples.append((t0, dt if ok else self.timeout, ok))
            self.halt.wait(self.pause)

    def stop(self):
        self.halt.set()
        self.join(self.timeout + 2)

    def between(self, a, b):
        return [s for s in self.samples if a <= s[0] < b]


class ValidClient(threading.Thread):
    """One keep-alive client doing sequential authorized GET /api/creative/assets."""

    def __init__(self, port, token, timeout=10.0):
        super().__init__(daemon=True)
        self.port, self.token, self.timeout = port, token, timeout
        self.done = []  # completion times of 200 answers
        self.other = {}
        self.halt = threading.Event()

    def run(self):
        c = Conn(self.port, self.timeout)
        while not self.halt.is_set():
            try:
                status, _, _ = c.request("GET", "/api/creative/assets", {"Authorization": f"Bearer {self.token}"})
                if status == 200:
                    self.done.append(now())
                else:
                    self.other[status] = self.other.get(status, 0) + 1
            except Exception as e:
                key = type(e).__name__
                self.other[key] = self.other.get(key, 0) + 1
                self.halt.wait(0.05)
        c.close()

    def stop(self):
        self.halt.set()
        self.join(self.timeout + 2)

    def rate(self, a, b):
        return sum(1 for t in self.done if a <= t < b) / max(b - a, 1e-9)


class RSSSampler(threading.Thread):
    def __init__(self, pid, every=0.25):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak = 0
        self.samples = []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            kb = proc_status(self.pid, "VmRSS")
            if kb is not None:
                self.samples.append((now(), kb))
                self.peak = max(self.peak, kb)
            self.halt.wait(self.every)

    def stop(self):
        self.halt.set()
        self.join(2)


def proc_status(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15)
    except (OSError, IndexError, ValueError):
        return None


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_percent(pid, seconds, during=None):
    """CPU use of pid over `seconds` as % of one core (runs `during` meanwhile if given)."""
    a, t0 = cpu_ticks(pid), now()
    if during:
        during(seconds)
    else:
        time.sleep(seconds)
    b, t1 = cpu_ticks(pid), now()
    if a is None or b is None:
        return None
    return 100.0 * (b - a) / CLK_TCK / (t1 - t0)


# --- many raw connections ------------------------------------------------------------------------

def open_many(port, n, deadline_seconds=20.0, first=b""):
    """Opens n non-blocking TCP connections; returns (connected sockets, failures)."""
    pending, connected, failed = {}, [], 0
    poller = select.poll()
    end = now() + deadline_seconds
    started = 0
    while (started < n or pending) and now() < end:
        while started < n and len(pending) < 256:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect_ex(("127.0.0.1", port))
            except OSError:
                failed += 1
                s.close()
                started += 1
                continue
            pending[s.fileno()] = s
            poller.register(s.fileno(), select.POLLOUT | select.POLLERR | select.POLLHUP)
            started += 1
        for fd, ev in poller.poll(200):
            s = pending.pop(fd, None)
            if s is None:
                continue
            poller.unregister(fd)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err == 0 and not ev & (select.POLLERR | select.POLLHUP):
                if first:
                    try:
                        s.send(first)
                    except OSError:
                        failed += 1
                        s.close()
                        continue
                connected.append(s)
            else:
                failed += 1
                s.close()
    for s in pending.values():
        s.close()
        failed += 1
    failed += n - started
    return connected, failed


class Watch:
    """Tracks when the server closes each of a set of sockets (EOF, reset, or a final answer)."""

    def __init__(self, socks):
        self.socks = {s.fileno(): s for s in socks}
        self.closed_at = {}
        self.answered = {}  # fd -> first bytes the server sent
        self.poller = select.poll()
        for fd in self.socks:
            self.poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP | select.POLLRDHUP)
        self.t0 = now()

    def check(self, timeout_ms=0):
        for fd, ev in self.poller.poll(timeout_ms):
            s = self.socks.get(fd)
            if s is None or fd in self.closed_at:
                continue
            try:
                data = s.recv(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                self.answered.setdefault(fd, data[:120])
                if not ev & (select.POLLHUP | select.POLLRDHUP):
                    continue
            self.closed_at[fd] = now() - self.t0
            self.poller.unregister(fd)

    def mark_closed(self, s):
        fd = s.fileno()
        if fd in self.socks and fd not in self.closed_at:
            self.closed_at[fd] = now() - self.t0
            try:
                self.poller.unregister(fd)
            except KeyError:
                pass

    def is_open(self, s):
        return s.fileno() not in self.closed_at

    def close_all(self):
        for s in self.socks.values():
            try:
                s.close()
            except OSError:
                pass


# --- processes, mounts, cleanup ------------------------------------------------------------------

PROCS = []   # every Popen this script started
MOUNTS = []  # tmpfs mount points


def cleanup():
    for p in PROCS:
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGCONT)
                os.kill(p.pid, signal.SIGKILL)
            except OSError:
                pass
    for p in PROCS:
        try:
            p.wait(5)
        except Exception:
            pass
    for m in list(MOUNTS):
        if subprocess.run(["umount", m], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", m], capture_output=True)
        MOUNTS.remove(m)


def clean_env(extra=None):
    e = {k: v for k, v in os.environ.items() if k not in (
        "OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "STABILITY_API_KEY", "SDWEBUI_URL", "OLLAMA_HOST",
        "CREATIVE_API_TOKENS", "CREATIVE_LIBRARY", "CREATIVE_USER", "http_proxy", "https_proxy", "HTTP_PROXY",
        "HTTPS_PROXY", "ALL_PROXY", "all_proxy")}
    e["NO_PROXY"] = e["no_proxy"] = "127.0.0.1,localhost"
    e["HOME"] = WORK + "/home"
    e["XDG_CONFIG_HOME"] = WORK + "/home/.config"
    e["CREATIVE_TOKENS_FILE"] = WORK + "/no-tokens"  # zero-config unless a case sets tokens
    e.update(extra or {})
    return e


HELP_CACHE = {}


def serve_help(binary):
    if binary not in HELP_CACHE:
        r = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True, env=clean_env(), timeout=30)
        HELP_CACHE[binary] = r.stdout + r.stderr
    return HELP_CACHE[binary]


def has_timeouts(binary):
    h = serve_help(binary)
    return "--header-timeout" in h and "--idle-timeout" in h


def init_library(binary, path):
    r = subprocess.run([binary, "init", "--library", path], capture_output=True, text=True, env=clean_env(), timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"creative init failed: {r.stderr.strip()[:300]}")


class Server:
    def __init__(self, binary, lib, logfile, env=None, nofile=None, args=(), command="serve"):
        self.binary, self.lib, self.logfile = binary, lib, logfile
        self.env, self.nofile, self.args, self.command = env or {}, nofile, list(args), command
        self.p = None
        self.port = None

    def start(self, wait_ready=True, timeout=40):
        limit = self.nofile

        def pre():
            os.setsid()
            if limit:
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        cmd = [self.binary, self.command, "--library", self.lib]
        if self.command == "serve":
            cmd += ["--port", "0"]
        cmd += self.args
        self.log = open(self.logfile, "ab")
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                  env=clean_env(self.env), preexec_fn=pre, close_fds=True)
        PROCS.append(self.p)
        end = now() + timeout
        if self.command == "serve":
            while now() < end:
                m = re.search(rb"serving http://127\.0\.0\.1:(\d+)/", open(self.logfile, "rb").read())
                if m:
                    self.port = int(m.group(1))
                    break
                if self.p.poll() is not None:
                    raise RuntimeError(f"the server exited ({self.p.returncode}): {self.tail()}")
                time.sleep(0.05)
            else:
                raise RuntimeError(f"the server did not say its port within {timeout}s: {self.tail()}")
        if wait_ready:
            while now() < end:
                if self.command == "serve":
                    try:
                        _, _, body = http_once(self.port, "GET", "/healthz", timeout=2)
                        if json.loads(body).get("ready"):
                            return self
                    except Exception:
                        pass
                elif b"ready" in open(self.logfile, "rb").read():
                    return self
                if self.p.poll() is not None:
                    raise RuntimeError(f"the server exited ({self.p.returncode}): {self.tail()}")
                time.sleep(0.1)
            raise RuntimeError(f"not ready within {timeout}s: {self.tail()}")
        return self

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def exit_text(self):
        rc = self.p.poll()
        if rc is None:
            return "running"
        return f"killed by signal {-rc} ({signal.Signals(-rc).name})" if rc < 0 else f"exit status {rc}"

    def tail(self, n=3):
        try:
            lines = open(self.logfile, "rb").read().decode("utf-8", "replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(l.strip()[:200] for l in lines[-n:])

    def stop(self):
        if self.alive():
            os.kill(self.p.pid, signal.SIGKILL)
        if self.p is not None:
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                pass
        try:
            self.log.close()
        except Exception:
            pass


# --- the attack process (cases 1 and 2) -----------------------------------------------------------

async def attack_worker(kind, port, end, counts):
    reader = writer = None
    while now() < end:
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), max(end - now(), 0.01))
                counts["connections"] += 1
            if kind == "token":
                req = (f"GET /api/creative/assets HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                       f"Authorization: Bearer {rand_token()}\r\n\r\n").encode()
            else:
                body = f"token={rand_token()}".encode()
                req = (f"POST /signin HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                       f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
            writer.write(req)
            await writer.drain()
            counts["sent"] += 1
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), max(end - now(), 0.01))
            lines = head.decode("latin-1").split("\r\n")
            status = lines[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
            if "chunked" in headers.get("transfer-encoding", ""):
                while True:
                    size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        await reader.readline()
                        break
                    await reader.readexactly(size + 2)
            elif "content-length" in headers:
                await reader.readexactly(int(headers["content-length"]))
            counts[status] = counts.get(status, 0) + 1
            if headers.get("connection", "").lower() == "close":
                writer.close()
                writer = None
        except asyncio.TimeoutError:
            break
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError) as e:
            counts["errors"] += 1
            counts.setdefault("error_kinds", {})
            counts["error_kinds"][type(e).__name__] = counts["error_kinds"].get(type(e).__name__, 0) + 1
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.02)
    if writer is not None:
        writer.close()


async def attack_main(kind, port, conns, seconds):
    """Runs until `seconds` pass or SIGTERM comes (then in-flight requests are abandoned)."""
    counts = {"sent": 0, "errors": 0, "connections": 0}
    end = now() + seconds
    tasks = [asyncio.ensure_future(attack_worker(kind, port, end, counts)) for _ in range(conns)]
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: [t.cancel() for t in tasks])
    await asyncio.gather(*tasks, return_exceptions=True)
    return counts


def attack_command(argv):
    kind, port, conns, seconds = argv[0], int(argv[1]), int(argv[2]), float(argv[3])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    counts = asyncio.run(attack_main(kind, port, conns, seconds))
    print(json.dumps(counts))


# --- the cases ------------------------------------------------------------------------------------
# Each case function takes (binary, key, folder) and returns {"figures": {name: (display, miss)},
# "details": [str]}; `None` as a display means "not measured".

def make_tokens(binary, path, n=5):
    tokens = []
    for i in range(n):
        r = subprocess.run([binary, "token", "add", f"user{i + 1}"], capture_output=True, text=True,
                           env=clean_env({"CREATIVE_TOKENS_FILE": path}), timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"creative token add failed: {r.stderr.strip()[:200]}")
        tokens.append(r.stdout.strip().splitlines()[-1].strip())
    return tokens


def hostile_clients(binary, folder, kind, conns):
    lib, tokfile = folder + "/lib", folder + "/tokens"
    init_library(binary, lib)
    tokens = make_tokens(binary, tokfile)
    valid = tokens[0]
    srv = Server(binary, lib, folder + "/serve.log", env={"CREATIVE_TOKENS_FILE": tokfile}).start()
    details = []
    try:
        # Warm the valid token (its hash is checked once, then remembered).
        http_once(srv.port, "GET", "/api/creative/assets", {"Authorization": f"Bearer {valid}"}, timeout=20)
        prober, client = Prober(srv.port), ValidClient(srv.port, valid)
        t0 = now()
        prober.start(), client.start()
        time.sleep(IDLE_SECONDS)
        t1 = now()
        prober.stop()
        idle_rate = client.rate(t0, t1)
        idle_p99 = p99([s[1] for s in prober.between(t0, t1)])
        n_idle = len(prober.between(t0, t1))
        # The attack runs until the last /healthz probe started in the window has its answer, so
        # every probe is measured under attack (it is stopped with SIGTERM).
        attacker = subprocess.Popen([sys.executable, os.path.abspath(__file__), "_attack", kind, str(srv.port), str(conns), str(ATTACK_SECONDS + 30)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        PROCS.append(attacker)
        time.sleep(0.5)  # the connections open
        prober = Prober(srv.port)
        t2 = now()
        prober.start()
        time.sleep(max(ATTACK_SECONDS - 0.5, 1))
        t3 = now()
        client.halt.set()
        prober.stop()
        if attacker.poll() is None:
            attacker.send_signal(signal.SIGTERM)
        try:
            out, err = attacker.communicate(timeout=30)
            counts = json.loads(out.strip().splitlines()[-1])
        except Exception as e:
            if attacker.poll() is None:
                os.kill(attacker.pid, signal.SIGKILL)
            counts = {"note": f"the attack process failed: {type(e).__name__}"}
        client.stop()
        attack_rate = client.rate(t2, t3)
        during = prober.between(t2, t3)
        during_p99 = p99([s[1] for s in during])
        misses = sum(1 for s in during if not s[2])
        pct = 100.0 * attack_rate / idle_rate if idle_rate else None
        alive = srv.alive()
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()) if k.isdigit())
        what = "GET /api/creative/assets with a wrong bearer token" if kind == "token" else "POST /signin with a wrong token"
        details.append(f"{conns} connections sending {what}, for {ATTACK_SECONDS:g} s (keep-alive; a closed connection is reopened).")
        details.append(f"Idle: the valid client did {idle_rate:.0f} req/s; /healthz p99 {fmt_ms(idle_p99)} over {n_idle} probes.")
        details.append(f"Attacked: the valid client did {attack_rate:.1f} req/s ({pct:.1f}% of idle); /healthz p99 {fmt_ms(during_p99)} "
                       f"over {len(during)} probe(s) ({misses} failed or timed out after 10 s; max {fmt_ms(max((s[1] for s in during), default=None))}).")
        details.append(f"The hostile clients sent {counts.get('sent', '?')} requests and got answers {statuses or 'none'} "
                       f"({counts.get('errors', 0)} connection errors{' ' + json.dumps(counts['error_kinds']) if counts.get('error_kinds') else ''}); server {'alive' if alive else 'gone: ' + srv.exit_text()} afterwards.")
        if client.other:
            details.append(f"The valid client also saw: {client.other}.")
        return {
            "figures": {
                "/healthz p99 under attack": (fmt_ms(during_p99) + f" ({len(during)} probe{'s' if len(during) != 1 else ''}" + (f", {misses} timed out" if misses else "") + ")",
                                              during_p99 is None or during_p99 > 0.050),
                "valid client, % of idle throughput": (f"{pct:.1f}% ({attack_rate:.1f} of {idle_rate:.0f} req/s)" if pct is not None else "—",
                                                       pct is None or pct < 80),
            },
            "details": details,
        }
    finally:
        srv.stop()


def case1(binary, key, folder):
    return hostile_clients(binary, folder, "token", TOKEN_CONNS)


def case2(binary, key, folder):
    return hostile_clients(binary, folder, "signin", SIGNIN_CONNS)


def case3(binary, key, folder):
    lib = folder + "/lib"
    init_library(binary, lib)
    timeouts = has_timeouts(binary)
    args = ["--header-timeout", "10", "--idle-timeout", "10"] if timeouts else []
    wait = SLOW_WAIT_TIMEOUTS if timeouts else SLOW_WAIT
    srv = Server(binary, lib, folder + "/serve.log", nofile=SERVER_NOFILE, args=args).start()
    details = []
    try:
        first = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        slow, slow_failed = open_many(srv.port, SLOW_CONNS, first=first)
        idle, idle_failed = open_many(srv.port, IDLE_CONNS)
        total = len(slow) + len(idle)
        watch = Watch(slow + idle)
        prober = Prober(srv.port, pause=0.25)
        prober.start()
        t0 = now()
        next_line, k = t0 + 10, 0
        while now() - t0 < wait:
            watch.check(200)
            if now() >= next_line:
                k += 1
                for s in slow:
                    if watch.is_open(s):
                        try:
                            s.send(f"X-Trickle-{k}: {k}\r\n".encode(), socket.MSG_DONTWAIT)
                        except BlockingIOError:
                            pass
                        except OSError:
                            watch.mark_closed(s)
                next_line += 10
        watch.check(0)
        prober.stop()
        samples = prober.between(t0, t0 + wait)
        hz = p99([s[1] for s in samples])
        misses = sum(1 for s in samples if not s[2])
        slow_closed = sum(1 for s in slow if not watch.is_open(s))
        idle_closed = sum(1 for s in idle if not watch.is_open(s))
        closed = slow_closed + idle_closed
        times = sorted(watch.closed_at.values())
        answered = {}
        for data in watch.answered.values():
            line = data.split(b"\r\n")[0].decode("latin-1", "replace")
            answered[line] = answered.get(line, 0) + 1
        server_fds = fd_count(srv.pid)
        watch.close_all()
        mode = f"`--header-timeout 10 --idle-timeout 10`, T = {wait:g} s" if timeouts else f"no timeout options, T = {wait:g} s"
        details.append(f"{len(slow)} slowloris connections (a header line every 10 s, never finished; {slow_failed} failed to connect) and "
                       f"{len(idle)} idle connections ({idle_failed} failed to connect); server RLIMIT_NOFILE {SERVER_NOFILE}; {mode}.")
        details.append(f"After {wait:g} s the server had closed {slow_closed}/{len(slow)} slowloris and {idle_closed}/{len(idle)} idle connections"
                       + (f" (first at {times[0]:.1f} s, median {statistics.median(times):.1f} s, last {times[-1]:.1f} s)" if times else "")
                       + f"; it held {server_fds} descriptors at the end."
                       + (f" Answers before closing: {answered}." if answered else ""))
        details.append(f"/healthz during: p99 {fmt_ms(hz)} over {len(samples)} probes ({misses} failed); server {'alive' if srv.alive() else 'gone: ' + srv.exit_text()}.")
        return {
            "figures": {
                "connections closed by the server": (f"{closed}/{total} after {wait:g} s" + (" (timeouts 10 s)" if timeouts else ""),
                                                     total == 0 or closed < total),
                "/healthz p99 during": (fmt_ms(hz) + f" ({len(samples)} probes" + (f", {misses} failed" if misses else "") + ")", hz is None or hz > 0.050),
            },
            "details": details,
        }
    finally:
        srv.stop()


def case4(binary, key, folder):
    lib = folder + "/lib"
    init_library(binary, lib)
    srv = Server(binary, lib, folder + "/serve.log", nofile=FD_LIMIT).start()
    details = []
    try:
        fds_before = fd_count(srv.pid)
        held, failed = open_many(srv.port, FD_CONNS, deadline_seconds=20)
        time.sleep(0.5)
        t_sat = now()
        fds_sat = fd_count(srv.pid)
        tries, first_ok = [], None

        def probe(seconds):
            nonlocal first_ok
            end = now() + seconds
            while now() < end:
                t0 = now()
                ok = False
                try:
                    status, _, _ = http_once(srv.port, "GET", "/healthz", timeout=1.0)
                    ok = status == 200
                except Exception:
                    pass
                dt = now() - t0
                tries.append(dt if ok else 1.0)
                if ok and first_ok is None:
                    first_ok = now() - t_sat
                time.sleep(max(0, 0.5 - dt))

        cpu = cpu_percent(srv.pid, FD_CPU_SECONDS, during=probe)
        answered = sum(1 for t in tries if t < 1.0)
        hz = p99(tries)
        log_lines = sum(1 for _ in open(srv.logfile, "rb"))
        emfile = open(srv.logfile, "rb").read().count(b"Too many open files")
        for s in held:
            s.close()
        time.sleep(1)
        try:
            t0 = now()
            status, _, _ = http_once(srv.port, "GET", "/healthz", timeout=5)
            after = f"{status} in {fmt_ms(now() - t0)}"
        except Exception as e:
            after = f"no answer within 5 s ({type(e).__name__})"
        details.append(f"Server under RLIMIT_NOFILE {FD_LIMIT} (soft and hard), {fds_before} descriptors open at rest; "
                       f"{len(held)} client connections opened and held ({failed} failed), server then at {fds_sat} descriptors.")
        cpu_text = f"{cpu:.0f}% of a core" if cpu is not None else "unknown (the server was gone)"
        details.append(f"/healthz (1 s timeout, every 0.5 s for {FD_CPU_SECONDS:g} s): answered {answered}/{len(tries)}, first answer "
                       f"{'after ' + fmt_ms(first_ok) if first_ok is not None else 'never'}, p99 {fmt_ms(hz)}"
                       f"{' (misses count as 1 s)' if answered < len(tries) else ''}. Server CPU over those {FD_CPU_SECONDS:g} s: {cpu_text}.")
        details.append(f"The log grew to {log_lines} lines ({emfile} mention \"Too many open files\"). After the clients let go, /healthz: {after}; "
                       f"server {'alive' if srv.alive() else 'gone: ' + srv.exit_text()}.")
        return {
            "figures": {
                "/healthz while saturated": (f"{answered}/{len(tries)} within 1 s, first {fmt_ms(first_ok) if first_ok is not None else 'never'}, p99 {fmt_ms(hz)}",
                                             first_ok is None or first_ok > 1.0 or hz is None or hz >= 1.0),
                "server CPU while saturated": (f"{cpu:.0f}% of a core" if cpu is not None else "—", cpu is None or cpu >= 10),
            },
            "details": details,
        }
    finally:
        srv.stop()


def case5(binary, key, folder):
    lib = folder + "/lib"
    init_library(binary, lib)
    srv = Server(binary, lib, folder + "/serve.log").start()
    details = []
    try:
        time.sleep(1)
        rss0 = proc_status(srv.pid, "VmRSS")
        sampler = RSSSampler(srv.pid)
        sampler.start()
        total = UPLOAD_MIB << 20
        results = [dict() for _ in range(UPLOADS)]
        socks = [None] * UPLOADS
        sending_done = threading.Barrier(UPLOADS + 1)

        def upload(i):
            r = results[i]
            try:
                s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
                socks[i] = s
                s.sendall((f"POST /api/creative/asset/upload?name=big{i}.png HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
                           f"Content-Type: image/png\r\nContent-Length: {64 << 20}\r\n\r\n").encode())
                chunk = b"\x89PNG\r\n\x1a\n" + bytes((1 << 20) - 8)
                sent = 0
                while sent < total:
                    s.sendall(chunk if sent == 0 else chunk[8:] + b"\0" * 8)
                    sent += len(chunk)
                r["sent"] = sent
            except socket.timeout:
                r["blocked"] = True
            except OSError as e:
                r["error"] = type(e).__name__
            r.setdefault("sent", 0)
            try:
                sending_done.wait(120)
            except threading.BrokenBarrierError:
                pass

        threads = [threading.Thread(target=upload, args=(i,), daemon=True) for i in range(UPLOADS)]
        t0 = now()
        for t in threads:
            t.start()
        try:
            sending_done.wait(120)
        except threading.BrokenBarrierError:
            pass
        t_sent = now() - t0
        stall_end = now() + UPLOAD_STALL
        # Stalled: hold every connection, collecting whatever the server answers.
        got = [b""] * UPLOADS
        closed = [False] * UPLOADS
        for sock in socks:
            if sock is not None:
                sock.setblocking(False)
        while now() < stall_end:
            for i, s in enumerate(socks):
                if s is None or closed[i]:
                    continue
                try:
                    data = s.recv(65536)
                    if data:
                        got[i] += data
                    else:
                        closed[i] = True
                except BlockingIOError:
                    pass
                except OSError:
                    closed[i] = True
            time.sleep(0.25)
        peak = sampler.peak
        hwm = proc_status(srv.pid, "VmHWM")
        for s in socks:
            if s is not None:
                s.close()
        time.sleep(2)
        sampler.stop()
        rss_after = proc_status(srv.pid, "VmRSS")
        answers = {}
        for i, data in enumerate(got):
            if data:
                head = data.split(b"\r\n\r\n")[0].decode("latin-1", "replace").split("\r\n")
                status = head[0].split(" ")[1] if len(head[0].split(" ")) > 1 else head[0]
                ra = [h for h in head if h.lower().startswith("retry-after")]
                code = error_code(data.split(b"\r\n\r\n", 1)[-1])
                label = status + (f" ({ra[0]})" if ra else "") + (f" {code}" if code else "")
            else:
                label = "no answer" + (", closed" if closed[i] else "")
            answers[label] = answers.get(label, 0) + 1
        sent_mib = [r.get("sent", 0) >> 20 for r in results]
        blocked = sum(1 for r in results if r.get("blocked"))
        errors = [r["error"] for r in results if "error" in r]
        growth = (peak - rss0) / 1024 if rss0 and peak else None
        details.append(f"{UPLOADS} uploads declaring Content-Length 64 MiB, each sending {UPLOAD_MIB} MiB then stalling {UPLOAD_STALL:g} s "
                       f"(sending took {t_sent:.1f} s; MiB sent per upload: {min(sent_mib)}–{max(sent_mib)}; {blocked} blocked by the server not reading; "
                       f"send errors: {errors or 'none'}).")
        details.append(f"Server RSS {rss0 / 1024:.0f} MiB before, peak {peak / 1024:.0f} MiB during (VmHWM {hwm / 1024 if hwm else 0:.0f} MiB), "
                       f"{(rss_after or 0) / 1024:.0f} MiB 2 s after the clients left; server {'alive' if srv.alive() else 'gone: ' + srv.exit_text()}.")
        details.append(f"What the clients got: {answers}.")
        return {
            "figures": {
                "RSS growth": (f"+{growth:.0f} MiB" if growth is not None else "—", growth is None or growth > 64),
                "answers to the uploads": (", ".join(f"{k} ×{v}" for k, v in answers.items()), False),
            },
            "details": details,
        }
    finally:
        srv.stop()


def job_states(lib):
    states = {}
    for d in os.listdir(lib + "/jobs") if os.path.isdir(lib + "/jobs") else []:
        try:
            with open(f"{lib}/jobs/{d}/job.json") as f:
                st = json.load(f).get("status", "?")
        except (OSError, ValueError):
            st = "unreadable"
        states[st] = states.get(st, 0) + 1
    return states


def inbox_waiting(lib):
    n = 0
    for root, dirs, files in os.walk(lib + "/inbox"):
        if os.path.basename(root) == "failed":
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if d != "failed"]
        n += sum(1 for f in files if not f.startswith("."))
    return n


def failed_requests(lib):
    try:
        return sum(1 for f in os.listdir(lib + "/inbox/failed") if f.endswith(".error.txt"))
    except OSError:
        return 0


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def case6(binary, key, folder):
    if os.geteuid() != 0:
        return {"skipped": "needs root (mount -t tmpfs)"}
    mnt = folder + "/full"
    os.makedirs(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", mnt], capture_output=True, text=True)
    if r.returncode != 0:
        return {"skipped": f"mount -t tmpfs failed: {r.stderr.strip()[:150]}"}
    MOUNTS.append(mnt)
    details = []
    srv = None
    try:
        lib = mnt + "/lib"
        init_library(binary, lib)
        srv = Server(binary, lib, folder + "/serve.log").start()
        os.makedirs(folder + "/stage")
        for i in range(DISK_PROMPTS):
            with open(f"{lib}/inbox/.p{i}.txt.part", "w") as f:
                f.write(f"a red fox number {i}\n")
        for i in range(DISK_PROMPTS):
            os.rename(f"{lib}/inbox/.p{i}.txt.part", f"{lib}/inbox/p{i}.txt")
        t0 = now()
        full_at = None
        while now() - t0 < DISK_FILL_WAIT:
            logtext = open(srv.logfile, "rb").read()
            if free_bytes(mnt) < 512 * 1024 or b"No space left" in logtext:
                full_at = now() - t0
                break
            if not srv.alive():
                break
            time.sleep(0.25)
        if full_at is None:
            details.append(f"The disk did not fill within {DISK_FILL_WAIT:g} s (free {free_bytes(mnt) >> 10} KiB, jobs {job_states(lib)}); server "
                           f"{'alive' if srv.alive() else 'gone: ' + srv.exit_text()}.")
            return {"figures": {"log lines in 60 s of full disk": ("disk never filled", True)}, "details": details}
        states_full = job_states(lib)
        time.sleep(0.5)
        lines0 = sum(1 for _ in open(srv.logfile, "rb"))
        bytes0 = os.path.getsize(srv.logfile)
        cpu = cpu_percent(srv.pid, DISK_WINDOW)
        lines1 = sum(1 for _ in open(srv.logfile, "rb"))
        bytes1 = os.path.getsize(srv.logfile)
        states_after_window = job_states(lib)
        sample = [l.decode("utf-8", "replace").strip()[:160] for l in open(srv.logfile, "rb").read()[bytes0:bytes1].splitlines()[:2]]
        subprocess.run(["mount", "-o", f"remount,size={DISK_BACK_MB}m", mnt], check=True)
        t_back = now()
        last_change, last_sig = t_back, None
        done_at = None
        while now() - t_back < DISK_WAIT:
            st = job_states(lib)
            sig = (tuple(sorted(st.items())), inbox_waiting(lib), failed_requests(lib))
            if sig != last_sig:
                last_sig, last_change = sig, now()
            final = sum(v for k, v in st.items() if k in ("succeeded", "failed", "cancelled"))
            if inbox_waiting(lib) == 0 and final == sum(st.values()) and final + failed_requests(lib) >= DISK_PROMPTS:
                done_at = last_change - t_back
                break
            if not srv.alive():
                break
            time.sleep(0.5)
        st = job_states(lib)
        rejected = failed_requests(lib)
        waiting = inbox_waiting(lib)
        failed = st.get("failed", 0) + rejected
        errs = sorted(set(open(p).read().strip()[:140] for p in
                          (f"{lib}/inbox/failed/{f}" for f in os.listdir(lib + "/inbox/failed") if f.endswith(".error.txt"))))[:2]
        details.append(f"tmpfs of {DISK_MB} MiB, {DISK_PROMPTS} prompts dropped at once; the disk was full after {full_at:.1f} s "
                       f"(jobs then: {states_full}).")
        details.append(f"During {DISK_WINDOW:g} s of full disk: {lines1 - lines0} log lines ({(bytes1 - bytes0) / 1024:.1f} KiB), CPU {cpu:.1f}% of a core; "
                       f"jobs at its end: {states_after_window}." + (" First lines: " + " / ".join(f"`{l}`" for l in sample) + "." if sample else ""))
        details.append(f"Space back ({DISK_BACK_MB} MiB): after {min(now() - t_back, DISK_WAIT):.0f} s jobs {st}, {rejected} requests in inbox/failed/, "
                       f"{waiting} still in the inbox; " + (f"the last job ended {done_at:.1f} s after space returned" if done_at is not None
                                                          else f"not all ended within {DISK_WAIT:g} s")
                       + f"; server {'alive' if srv.alive() else 'gone: ' + srv.exit_text()}." + (f" Rejections say: {errs}." if errs else ""))
        return {
            "figures": {
                "log lines in 60 s of full disk": (f"{lines1 - lines0}", lines1 - lines0 > 10),
                "server CPU while full": (f"{cpu:.1f}%" if cpu is not None else "—", cpu is None or cpu >= 5),
                "jobs failed": (f"{failed} of {DISK_PROMPTS}", failed > 0),
                "all ended after space returned": (f"{done_at:.1f} s" if done_at is not None else f"no ({waiting} waiting, {sum(v for k, v in st.items() if k in ('queued', 'running'))} open after {DISK_WAIT:g} s)",
                                                   done_at is None or done_at > 60),
            },
            "details": details,
        }
    finally:
        if srv is not None:
            srv.stop()
        if subprocess.run(["umount", mnt], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", mnt], capture_output=True)
        MOUNTS.remove(mnt)


# --- case 7: bombs and deep templates -----------------------------------------------------------

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_complete_bomb(path, side):
    """A complete 1-bit greyscale PNG of side × side zero pixels (the IDAT streamed)."""
    z = zlib.compressobj(9)
    row = bytes(1 + (side + 7) // 8)
    block = row * 256
    out = [b"\x89PNG\r\n\x1a\n", png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))]
    data = []
    left = side
    while left:
        n = min(256, left)
        data.append(z.compress(block if n == 256 else row * n))
        left -= n
    data.append(z.flush())
    out.append(png_chunk(b"IDAT", b"".join(data)))
    out.append(png_chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(b"".join(out))


def png_header_bomb(path, side):
    """An RGBA PNG declaring side × side with a tiny (truncated) IDAT."""
    z = zlib.compress(bytes(1 + side * 4) * 4)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0))
                + png_chunk(b"IDAT", z) + png_chunk(b"IEND", b""))


def png_small(side=64):
    raw = b"".join(b"\0" + b"\xff\x00\x00" * side for _ in range(side))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


def jpeg_bomb(width, height):
    """A baseline greyscale JPEG (standard luminance tables) whose SOF0 declares width × height; the
    scan holds one all-grey 8×8 block, so the rest of the image is missing."""
    def seg(marker, data):
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(data) + 2) + data
    qt = bytes([0]) + bytes([1] * 64)
    sof = struct.pack(">BHHB", 8, height, width, 1) + bytes([1, 0x11, 0])
    dc_bits = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    dc_vals = list(range(12))
    ac_bits = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]
    ac_vals = bytes.fromhex(
        "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a"
        "434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9"
        "aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa")
    dht = bytes([0x00]) + bytes(dc_bits) + bytes(dc_vals) + bytes([0x10]) + bytes(ac_bits) + ac_vals
    sos = bytes([1, 1, 0x00, 0, 63, 0])
    # DC: category 0 ("00"), AC: EOB ("1010"), padded with ones.
    return (b"\xff\xd8" + seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0") + seg(0xDB, qt) + seg(0xC0, sof)
            + seg(0xC4, dht) + seg(0xDA, sos) + bytes([0b00101011]) + b"\xff\xd9")


def gif_frames(frames):
    out = [b"GIF89a", struct.pack("<HHBBB", 1, 1, 0x80, 0, 0), b"\xff\x00\x00\x00\x00\x00",
           b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"]
    frame = b"\x21\xf9\x04\x00\x01\x00\x00\x00" + b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    out.append(frame * frames)
    out.append(b"\x3b")
    return b"".join(out)


def make_bombs(folder):
    os.makedirs(folder, exist_ok=True)
    files = {}
    p = folder + "/jpeg-65000x65000.jpg"
    with open(p, "wb") as f:
        f.write(jpeg_bomb(65000, 65000))
    files["JPEG declaring 65,000 × 65,000 (one 8×8 block of data)"] = p
    p = folder + "/png-60000x60000-complete.png"
    png_complete_bomb(p, 60000)
    files[f"PNG 60,000 × 60,000, complete (1-bit, {os.path.getsize(p) // 1024} KiB)"] = p
    p = folder + "/png-60000x60000-header.png"
    png_header_bomb(p, 60000)
    files["PNG declaring 60,000 × 60,000 RGBA, IDAT truncated"] = p
    p = folder + "/png-truncated.png"
    small = png_small()
    with open(p, "wb") as f:
        f.write(small[: len(small) // 2])
    files[f"64 × 64 PNG cut in half ({len(small) // 2} bytes)"] = p
    p = folder + "/gif-5000-frames.gif"
    with open(p, "wb") as f:
        f.write(gif_frames(5000))
    files["GIF with 5,000 frames (1 × 1)"] = p
    return files


def final_jobs_by_source(lib):
    jobs = {}
    for d in os.listdir(lib + "/jobs"):
        try:
            with open(f"{lib}/jobs/{d}/job.json") as f:
                j = json.load(f)
        except (OSError, ValueError):
            continue
        jobs[os.path.basename(str(j.get("parameters", {}).get("source", "")))] = j
    return jobs


def log_lines(folder):
    return sum(sum(1 for _ in open(f"{folder}/{f}", "rb")) for f in os.listdir(folder) if f.endswith(".log"))


def case7(binary, key, folder):
    lib = folder + "/lib"
    init_library(binary, lib)
    srv = Server(binary, lib, folder + "/serve.log").start()
    details, figures = [], {}
    crashes = []

    def ensure_alive(what):
        nonlocal srv
        if not srv.alive():
            crashes.append(f"{what}: {srv.exit_text()} (log: {srv.tail(1)})")
            srv.stop()
            srv = Server(binary, lib, folder + f"/serve-{len(crashes)}.log").start()

    try:
        # 1. A template 20,000 sections deep, written by hand into templates/ (on a quiet server).
        tdirs = sorted(d for d in os.listdir(lib + "/templates") if os.path.isfile(f"{lib}/templates/{d}/template.json"))
        src = json.load(open(f"{lib}/templates/{tdirs[0]}/template.json"))
        tid = "01KMDEEP" + "".join(random.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(18))
        src["id"], src["name"], src["isDefault"] = tid, "Deep nesting", False
        src["parameters"] = {"defaults": {"a": "x"}}
        src["prompt"] = "{{#a}}" * TEMPLATE_DEPTH + "x" + "{{/a}}" * TEMPLATE_DEPTH
        os.makedirs(f"{lib}/templates/deep--{tid}")
        with open(f"{lib}/templates/deep--{tid}/.template.json.tmp", "w") as f:
            json.dump(src, f, indent=2)
        os.rename(f"{lib}/templates/deep--{tid}/.template.json.tmp", f"{lib}/templates/deep--{tid}/template.json")
        time.sleep(2)
        alive_after_write = srv.alive()
        ensure_alive("the deep template written to templates/")
        listed, lt, lt_dt, end = False, "—", None, now() + 15
        while now() < end and srv.alive():  # until the index knows it (GET /templates lists it)
            t0 = now()
            try:
                status, _, rb = http_once(srv.port, "GET", "/api/creative/templates", timeout=BOMB_TIMEOUT)
                lt, lt_dt = str(status), now() - t0
                listed = tid.encode() in rb
            except Exception as e:
                lt, lt_dt = f"no answer ({type(e).__name__})", now() - t0
            if listed or not lt.startswith("2"):
                break
            time.sleep(0.5)
        alive_list = srv.alive()
        list_exit = "" if alive_list else srv.exit_text()
        ensure_alive("GET /templates with the deep template")
        t0 = now()
        try:
            status, _, rb = http_once(srv.port, "POST", "/api/creative/content/from-template", {"Content-Type": "application/json"},
                                      json.dumps({"templateId": tid, "variables": {"a": "x"}}).encode(), timeout=BOMB_TIMEOUT)
            ft = f"{status} {error_code(rb) or ''}".strip()
        except Exception as e:
            ft = f"no answer ({type(e).__name__})"
        ft_dt = now() - t0
        time.sleep(0.5)
        alive = srv.alive()
        try:
            hz = http_once(srv.port, "GET", "/healthz", timeout=5)[0] if alive else None
        except Exception:
            hz = None
        exit_info = "" if alive else srv.exit_text()
        last_log = "" if alive else srv.tail(1)
        ensure_alive("POST /content/from-template with the deep template")
        details.append(f"Template with {TEMPLATE_DEPTH:,} nested {{{{#a}}}} sections written to templates/: server "
                       f"{'alive' if alive_after_write else 'died'} 2 s later; GET /templates → {lt} in {fmt_ms(lt_dt)} "
                       f"({'lists it' if listed else 'does not list it'}{'' if alive_list else ', server died: ' + list_exit}); "
                       f"POST /content/from-template → {ft} in {fmt_ms(ft_dt)}; server then "
                       f"{'alive, /healthz ' + str(hz) if alive else 'gone: ' + exit_info + (f' (last log line: {last_log})' if last_log else '')}.")
        figures["deep template: GET /templates"] = (f"{lt}, {fmt_ms(lt_dt)}" + ("" if listed else ", not listed") + ("" if alive_list else ", server died"),
                                                    not alive_list or lt != "200" or (lt_dt or 0) > 1)
        figures["deep template: from-template"] = (f"{ft}, {fmt_ms(ft_dt)}" + ("" if alive else f", server died ({exit_info})"),
                                                   not alive or not ft.startswith("4") or ft_dt > 5)

        # 2. Uploads.
        uploads = []
        up_lines0 = log_lines(folder)
        for label, path in BOMBS.items():
            name = os.path.basename(path)
            body = open(path, "rb").read()
            sampler = RSSSampler(srv.pid, 0.1)
            rss0 = proc_status(srv.pid, "VmRSS") or 0
            sampler.start()
            t0 = now()
            try:
                status, _, rb = http_once(srv.port, "POST", f"/api/creative/asset/upload?name={name}",
                                          {"Content-Type": "application/octet-stream"}, body, timeout=BOMB_TIMEOUT)
                res = f"{status} {error_code(rb) or ''}".strip()
                ok = status in (201, 400, 413, 415, 422)
            except Exception as e:
                res, ok = f"no answer ({type(e).__name__})", False
            dt = now() - t0
            sampler.stop()
            growth = max(0, sampler.peak - rss0) / 1024
            alive = srv.alive()
            uploads.append(f"{label}: {res} in {fmt_ms(dt)}, RSS +{growth:.0f} MiB{'' if alive else ', SERVER DIED'}")
            figures[f"upload {label.split(' (')[0]}"] = (f"{res}, {fmt_ms(dt)}, +{growth:.0f} MiB" + ("" if alive else ", crashed"),
                                                         not alive or not ok or dt > 5 or growth > 256)
            ensure_alive(f"upload of {name}")
        details.append("Uploads (status, error code, time, RSS growth): " + "; ".join(uploads)
                       + f"; {log_lines(folder) - up_lines0:,} log lines written meanwhile.")

        # 3. The same files dropped into the inbox (a few trailing bytes make them differ from the
        # uploads, which the import would otherwise take as duplicates).
        inbox_res = []
        lines0 = log_lines(folder)
        sampler = RSSSampler(srv.pid, 0.1)
        rss0 = proc_status(srv.pid, "VmRSS") or 0
        sampler.start()
        t0 = now()
        names = {}
        for label, path in BOMBS.items():
            part = f"{lib}/inbox/.{os.path.basename(path)}.part"
            shutil.copy(path, part)
            with open(part, "ab") as f:
                f.write(b"\0server-chaos inbox copy\0")
            names[label] = "inbox-" + os.path.basename(path)
            os.rename(part, f"{lib}/inbox/{names[label]}")

        def settled(name, jobs):
            if os.path.exists(f"{lib}/inbox/failed/{name}.error.txt"):
                return True
            j = jobs.get(name)
            return j is not None and j.get("status") in ("succeeded", "failed", "cancelled")

        end = now() + INBOX_WAIT
        while now() < end and srv.alive():
            jobs = final_jobs_by_source(lib)
            if all(settled(n, jobs) for n in names.values()):
                break
            time.sleep(0.25)
        inbox_dt = now() - t0
        sampler.stop()
        inbox_growth = max(0, sampler.peak - rss0) / 1024
        inbox_alive = srv.alive()
        jobs = final_jobs_by_source(lib)
        for label, name in names.items():
            err = f"{lib}/inbox/failed/{name}.error.txt"
            j = jobs.get(name)
            if os.path.exists(err):
                inbox_res.append(f"{label}: inbox/failed/ ({open(err).read().strip()[:110]})")
                outcome = "inbox/failed/ with .error.txt"
            elif j is not None:
                outcome = f"job {j.get('status')}" + (" → asset" if j.get("resultAssetId") else "")
                why = j.get("errorMessage") or ""
                inbox_res.append(f"{label}: {outcome}" + (f" ({str(why)[:110]})" if why else ""))
            elif os.path.exists(f"{lib}/inbox/{name}"):
                outcome = f"still in the inbox after {INBOX_WAIT:g} s"
                inbox_res.append(f"{label}: {outcome}")
            else:
                outcome = f"no job or error file after {INBOX_WAIT:g} s"
                inbox_res.append(f"{label}: {outcome}")
            figures[f"inbox {label.split(' (')[0]}"] = (outcome, outcome not in ("inbox/failed/ with .error.txt", "job failed"))
        details.append("Dropped into inbox/ (each made unique by trailing bytes): " + "; ".join(inbox_res)
                       + f" — {fmt_ms(inbox_dt)} until all ended or the wait ran out, RSS +{inbox_growth:.0f} MiB, "
                       + f"{log_lines(folder) - lines0:,} log lines written (server {'alive' if inbox_alive else 'gone: ' + srv.exit_text()}).")
        ensure_alive("the inbox bombs")
        if crashes:
            details.append("Crashes (the server was restarted after each): " + "; ".join(crashes) + ".")
        figures["server crashes"] = (str(len(crashes)), bool(crashes))
        total = log_lines(folder)
        figures["log lines for the whole case"] = (f"{total:,}", total > 1000)
        return {"figures": figures, "details": details}
    finally:
        srv.stop()


CASES = {
    1: ("Wrong tokens", case1, {"/healthz p99 under attack": "≤ 50 ms", "valid client, % of idle throughput": "≥ 80%"}),
    2: ("Wrong sign-ins", case2, {"/healthz p99 under attack": "≤ 50 ms", "valid client, % of idle throughput": "≥ 80%"}),
    3: ("Slowloris + idle", case3, {"connections closed by the server": "all, by the timeouts", "/healthz p99 during": "≤ 50 ms"}),
    4: ("Descriptor exhaustion", case4, {"/healthz while saturated": "answers within 1 s", "server CPU while saturated": "< 10% of a core"}),
    5: ("Stalled uploads", case5, {"RSS growth": "≤ 64 MiB", "answers to the uploads": "(reported)"}),
    6: ("Disk full for 60 s", case6, {"log lines in 60 s of full disk": "≤ 10", "server CPU while full": "< 5%", "jobs failed": "0",
                                      "all ended after space returned": "≤ 60 s"}),
    7: ("Bombs and deep templates", case7, {}),
}
GOALS7 = "201 or 4xx within 5 s, RSS ≤ +256 MiB, alive"


# --- the report ------------------------------------------------------------------------------------

def write_report(results, binaries, meta):
    out = []
    out.append(SECTION)
    out.append("")
    out.append(f"Measured by `scripts/server-chaos.sh` on {meta['date']}. Machine: `{meta['uname']}`, {meta['nproc']} cores. "
               f"Whole run: {meta['seconds']:.0f} s.")
    for key, label, path in binaries:
        out.append(f"- **{key}**: `{path}`" + ("" if label == path else f" — {label.replace(path, '').lstrip(', ') if label.startswith(path) else label}"))
    out.append("")
    out.append("Each case runs once per binary, alternating, on a fresh library (`creative init`) and a fresh `creative serve --port 0` "
               "(built-in providers, no API keys). /healthz probes are sequential, each on a new connection with a 10 s timeout "
               "(1 s in case 4); a failed or timed-out probe counts as the timeout. Figures are reported, not asserted; "
               "**bold** marks a miss of the goal. "
               f"Sizes: {meta['sizes']}.")
    out.append("")
    cols = [k for k, _, _ in binaries]
    out.append("| Case | Figure | Goal | " + " | ".join(cols) + " |")
    out.append("|---|---|---|" + "---|" * len(cols))
    for n, (title, _, goals) in CASES.items():
        if n not in results:
            continue
        names = list(goals)
        for k in cols:
            r = results[n].get(k, {})
            for name in r.get("figures", {}):
                if name not in names:
                    names.append(name)
        first = True
        for name in names:
            cells = []
            for k in cols:
                r = results[n].get(k, {})
                if "skipped" in r:
                    cells.append(f"skipped: {r['skipped']}" if first else "")
                    continue
                if "error" in r:
                    cells.append(f"**error: {r['error']}**" if first else "")
                    continue
                v = r.get("figures", {}).get(name)
                if v is None:
                    cells.append("—")
                else:
                    text = str(v[0]).replace("|", "\\|")
                    cells.append(f"**{text}**" if v[1] else text)
            goal = goals.get(name, GOALS7 if n == 7 and name.startswith("upload") else
                             "inbox/failed/ + .error.txt" if n == 7 and name.startswith("inbox") else
                             "4xx within 5 s, alive" if name == "deep template: from-template" else
                             "200 within 1 s, alive" if name == "deep template: GET /templates" else
                             "0" if name == "server crashes" else
                             "≤ 1,000" if name == "log lines for the whole case" else "")
            out.append(f"| {f'{n}. {title}' if first else ''} | {name} | {goal} | " + " | ".join(cells) + " |")
            first = False
    out.append("")
    for n, (title, _, _) in CASES.items():
        if n not in results:
            continue
        out.append(f"### {n}. {title}")
        out.append("")
        for k in cols:
            r = results[n].get(k, {})
            if "skipped" in r:
                out.append(f"- **{k}**: skipped ({r['skipped']}).")
            elif "error" in r:
                out.append(f"- **{k}**: the case failed to run: {r['error']}")
            else:
                out.append(f"- **{k}** ({r.get('seconds', 0):.0f} s): " + " ".join(r.get("details", [])))
        out.append("")
    section = "\n".join(out).rstrip() + "\n"
    path = OUT
    try:
        previous = open(path, encoding="utf-8").read()
    except OSError:
        previous = ""
    start = previous.find("\n" + SECTION)
    if previous.startswith(SECTION):
        start = 0
    if start >= 0:
        rest_at = previous.find("\n## ", start + len(SECTION) + 1)
        before = previous[:start].rstrip("\n")
        after = previous[rest_at:] if rest_at >= 0 else ""
        text = (before + "\n\n" if before else "") + section + (after if after.startswith("\n") else ("\n" + after if after else ""))
    else:
        text = previous.rstrip("\n") + ("\n\n" if previous else "") + section
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def one_line(n, title, key, r):
    if "skipped" in r:
        return f"case {n} {title} [{key}]: skipped ({r['skipped']})"
    if "error" in r:
        return f"case {n} {title} [{key}]: ERROR {r['error']}"
    parts = [f"{name} {v[0]}{' (MISS)' if v[1] else ''}" for name, v in r["figures"].items()]
    return f"case {n} {title} [{key}]: " + "; ".join(parts)


def run():
    global WORK, BOMBS
    started = now()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    binaries = []
    for key in ("before", "after"):
        path = os.environ.get(key.upper(), "")
        if path:
            if not os.access(path, os.X_OK):
                sys.exit(f"{key.upper()}={path} is not an executable")
            binaries.append((key, os.environ.get(key.upper() + "_LABEL") or path, os.path.abspath(path)))
    if not binaries:
        sys.exit("set BEFORE and/or AFTER to creative binaries")
    WORK = tempfile.mkdtemp(prefix="server-chaos.")
    os.makedirs(WORK + "/home/.config", exist_ok=True)
    say(f"work in {WORK}; binaries: " + ", ".join(f"{k}={p}" for k, _, p in binaries))
    results = {}

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        if 7 in SELECTED:
            BOMBS = make_bombs(WORK + "/bombs")
        for n in SELECTED:
            title, fn, _ = CASES[n]
            results[n] = {}
            for key, label, path in binaries:
                folder = f"{WORK}/c{n}-{key}"
                os.makedirs(folder)
                say(f"case {n} {title} [{key}]")
                t0 = now()
                try:
                    r = fn(path, key, folder)
                except Exception as e:
                    r = {"error": f"{type(e).__name__}: {str(e)[:300]}"}
                finally:
                    cleanup_case()
                r["seconds"] = now() - t0
                results[n][key] = r
                say(one_line(n, title, key, r) + f" ({r['seconds']:.0f} s)")
        meta = {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "uname": subprocess.run(["uname", "-srm"], capture_output=True, text=True).stdout.strip(),
            "nproc": os.cpu_count(),
            "seconds": now() - started,
            "sizes": (f"IDLE_SECONDS={IDLE_SECONDS:g} ATTACK_SECONDS={ATTACK_SECONDS:g} TOKEN_CONNS={TOKEN_CONNS} SIGNIN_CONNS={SIGNIN_CONNS} "
                      f"SLOW_CONNS={SLOW_CONNS} IDLE_CONNS={IDLE_CONNS} SLOW_WAIT={SLOW_WAIT:g} SLOW_WAIT_TIMEOUTS={SLOW_WAIT_TIMEOUTS:g} "
                      f"FD_LIMIT={FD_LIMIT} FD_CONNS={FD_CONNS} UPLOADS={UPLOADS} UPLOAD_MIB={UPLOAD_MIB} UPLOAD_STALL={UPLOAD_STALL:g} "
                      f"DISK_MB={DISK_MB} DISK_PROMPTS={DISK_PROMPTS} DISK_WINDOW={DISK_WINDOW:g} TEMPLATE_DEPTH={TEMPLATE_DEPTH}"),
        }
        with open(WORK + "/results.json", "w") as f:
            json.dump({"meta": meta, "results": {str(k): v for k, v in results.items()}}, f, indent=1, default=str)
        write_report(results, binaries, meta)
        say(f"wrote the section to {OUT} in {meta['seconds']:.0f} s")
        for n, (title, _, _) in CASES.items():
            if n in results:
                for key, _, _ in binaries:
                    print(one_line(n, title, key, results[n].get(key, {"error": "not run"})))
    finally:
        cleanup()
        if os.environ.get("SERVER_CHAOS_KEEP") == "1":
            say(f"kept {WORK}")
        else:
            shutil.rmtree(WORK, ignore_errors=True)


def cleanup_case():
    """Kills what a case left running (its servers, attackers)."""
    for p in PROCS:
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(5)
            except Exception:
                pass
    PROCS[:] = [p for p in PROCS if p.poll() is None]


WORK = "/tmp"
BOMBS = {}
OUT = os.environ.get("SERVER_CHAOS_OUT", "RELIABILITY.md")
SELECTED = [int(x) for x in os.environ.get("SERVER_CHAOS_CASES", "1 2 3 4 5 6 7").split()]
IDLE_SECONDS = env("IDLE_SECONDS", 5.0)
ATTACK_SECONDS = env("ATTACK_SECONDS", 8.0)
TOKEN_CONNS = env("TOKEN_CONNS", 64)
SIGNIN_CONNS = env("SIGNIN_CONNS", 32)
SLOW_CONNS = env("SLOW_CONNS", 400)
IDLE_CONNS = env("IDLE_CONNS", 2000)
SLOW_WAIT = env("SLOW_WAIT", 75.0)
SLOW_WAIT_TIMEOUTS = env("SLOW_WAIT_TIMEOUTS", 20.0)
SERVER_NOFILE = env("SERVER_NOFILE", min(65536, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
FD_LIMIT = env("FD_LIMIT", 1024)
FD_CONNS = env("FD_CONNS", 1100)
FD_CPU_SECONDS = env("FD_CPU_SECONDS", 10.0)
UPLOADS = env("UPLOADS", 12)
UPLOAD_MIB = env("UPLOAD_MIB", 63)
UPLOAD_STALL = env("UPLOAD_STALL", 15.0)
DISK_MB = env("DISK_MB", 30)
DISK_BACK_MB = env("DISK_BACK_MB", 400)
DISK_PROMPTS = env("DISK_PROMPTS", 120)
DISK_FILL_WAIT = env("DISK_FILL_WAIT", 120.0)
DISK_WINDOW = env("DISK_WINDOW", 60.0)
DISK_WAIT = env("DISK_WAIT", 120.0)
TEMPLATE_DEPTH = env("TEMPLATE_DEPTH", 20000)
BOMB_TIMEOUT = env("BOMB_TIMEOUT", 30.0)
INBOX_WAIT = env("INBOX_WAIT", 30.0)

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_attack":
        attack_command(sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == "run":
        run()
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
