#!/usr/bin/env python3
"""A fake paid provider for scripts/chaos.sh: speaks the two OpenAI endpoints the engine calls
(POST .../images/generations with b64_json, POST .../chat/completions plain or streamed), takes
DELAY seconds per call so a kill lands mid-call, and appends one JSON line per call to LOG.

Every call is logged twice: {"ev": "start", ...} when it arrives and {"ev": "end", "completed":
true|false, ...} when it is answered; completed is false when the caller was gone (killed)
before the answer was written. The base URL's path before /v1 is the caller's tag, so
OPENAI_BASE_URL=http://127.0.0.1:PORT/s2-A/v1 logs tag "s2-A". The marker is the first
`chaos-…` word in the request body (each chaos job's prompt carries one).

Usage: chaos_fake_provider.py --log FILE --port-file FILE [--delay 1.5]
Listens on 127.0.0.1 only, on a free port written to --port-file.
"""
import argparse
import base64
import errno
import json
import os
import re
import select
import socket
import struct
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MARKER = re.compile(rb"chaos-[a-z0-9]+-[0-9]+")


def tiny_png(size=64):
    """A valid RGB PNG of size×size pixels (a gradient), made without any imaging library."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes(v for x in range(size) for v in (x * 4 % 256, y * 4 % 256, 128)) for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PNG_B64 = base64.b64encode(tiny_png()).decode()
lock = threading.Lock()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--delay", type=float, default=1.5)
    args = parser.parse_args()
    log = open(args.log, "a", buffering=1)

    def record(**fields):
        fields["t"] = round(time.time(), 3)
        with lock:
            log.write(json.dumps(fields, sort_keys=True) + "\n")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def peer_gone(self):
            """True when the caller closed or reset its end (it was killed) while we slept."""
            sock = self.connection
            try:
                readable, _, _ = select.select([sock], [], [], 0)
                if not readable:
                    return False
                return sock.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            path = self.path.split("?")[0]
            tag = path.split("/v1/")[0].strip("/") if "/v1/" in path else ""
            found = MARKER.search(body)
            marker = found.group(0).decode() if found else ""
            call = {"marker": marker, "tag": tag, "path": path, "peer": self.client_address[1]}
            record(ev="start", **call)
            time.sleep(args.delay)
            if self.peer_gone():
                record(ev="end", completed=False, **call)
                self.close_connection = True
                return
            try:
                if path.endswith("/images/generations"):
                    self.answer({"created": int(time.time()), "data": [{"b64_json": PNG_B64, "revised_prompt": marker}]})
                elif path.endswith("/chat/completions"):
                    self.chat(json.loads(body or b"{}"), marker)
                else:
                    self.answer({"error": {"message": "unknown endpoint", "type": "invalid_request_error"}}, status=404)
                completed = not self.peer_gone()
            except OSError:
                completed = False
            record(ev="end", completed=completed, **call)

        def answer(self, obj, status=200):
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

        def chat(self, request, marker):
            text = f"Copy for {marker}: a short, honest line."
            usage = {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}
            if not request.get("stream"):
                self.answer({"id": "chatcmpl-chaos", "object": "chat.completion", "model": request.get("model", ""),
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                             "usage": usage})
                return
            events = [{"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
            events += [{"choices": [{"index": 0, "delta": {"content": word + " "}}]} for word in text.split()]
            events += [{"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}, {"choices": [], "usage": usage}]
            payload = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
            data = payload.encode()
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

        def log_message(self, *a):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
