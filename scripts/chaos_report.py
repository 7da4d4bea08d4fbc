#!/usr/bin/env python3
"""Figures for scripts/chaos.sh.

  chaos_report.py analyze SCENARIO_DIR N PROVIDER_LOG   -> SCENARIO_DIR/result.json, one summary line on stdout
  chaos_report.py write WORK_DIR OUT.md KEY=VALUE...    -> RELIABILITY.md from every WORK_DIR/s*/result.json

A scenario folder holds its libraries (lib/, copy/), the engines' logs and facts.txt, which the
shell script appends to: `marker M FILE`, `exit NAME PID STATUS SENT`, `rss NAME PID KB`,
`watchdog NAME PID KB`, `stop_timeout NAME PID`, `held ID`, `queued_copy ID`, `stopped ID PID`,
`hostile HEXNAME WHAT`, `canary M`, `alive_end NAME 0|1`, `kill N`, `owner HOST.PID`,
`seconds S`, `note TEXT`. The provider log has one JSON line per call start and end.
"""
import json
import os
import re
import sys
from collections import defaultdict

FINAL = {"succeeded", "failed", "cancelled"}
SIGNALS = {"KILL": 9, "TERM": 15}
TITLES = {
    1: "kill -9 of workers",
    2: "SIGSTOP/SIGCONT of a lease holder",
    3: "two hosts on one library (UTS + PID namespaces)",
    4: "an rsync'd copy started mid-run",
    5: "a burst of hostile inbox files",
}


def read_facts(folder):
    facts = defaultdict(list)
    path = os.path.join(folder, "facts.txt")
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split(" ", 1)
                if parts and parts[0]:
                    facts[parts[0]].append(parts[1] if len(parts) > 1 else "")
    return facts


def sidecars(lib):
    """(path, parsed or None) for every job.json / asset.json / template.json / library.json; dot folders skipped."""
    out = []
    for root, dirs, files in os.walk(lib):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name in ("job.json", "asset.json", "template.json", "library.json"):
                path = os.path.join(root, name)
                try:
                    with open(path, "rb") as f:
                        out.append((path, json.loads(f.read())))
                except (ValueError, OSError):
                    out.append((path, None))
    return out


def library_state(lib):
    """Jobs and assets by marker, and the torn sidecars, of one library."""
    jobs, assets, torn = defaultdict(list), defaultdict(list), []
    if not os.path.isdir(lib):
        return jobs, assets, torn
    marker = re.compile(r"chaos-[a-z0-9]+-[0-9]+")
    for path, doc in sidecars(lib):
        if doc is None:
            torn.append(os.path.relpath(path, lib))
            continue
        name = os.path.basename(path)
        if name not in ("job.json", "asset.json") or not isinstance(doc, dict):
            continue
        found = marker.search(json.dumps(doc.get("prompt", "")))
        if not found:
            continue
        (jobs if name == "job.json" else assets)[found.group(0)].append(doc)
    return jobs, assets, torn


def provider_events(log):
    """The fake provider's log, one event (dict) per readable line."""
    if not os.path.exists(log):
        return
    with open(log) as f:
        for line in f:
            try:
                yield json.loads(line)
            except ValueError:
                continue


def provider_calls(log, tag_prefix):
    """marker -> {"calls": n, "completed": n, "tags": {tag: calls}} for tags starting with tag_prefix."""
    calls = defaultdict(lambda: {"calls": 0, "completed": 0, "tags": defaultdict(int), "completed_tags": defaultdict(int)})
    for ev in provider_events(log):
        if not ev.get("tag", "").startswith(tag_prefix) or not ev.get("marker"):
            continue
        c = calls[ev["marker"]]
        if ev["ev"] == "start":
            c["calls"] += 1
            c["tags"][ev["tag"]] += 1
        elif ev["ev"] == "end" and ev.get("completed"):
            c["completed"] += 1
            c["completed_tags"][ev["tag"]] += 1
    return calls


def cut_off_calls(log, tag_prefix):
    """Calls that ended with their caller gone (killed mid-call)."""
    return sum(1 for ev in provider_events(log) if ev.get("ev") == "end" and ev.get("tag", "").startswith(tag_prefix) and not ev.get("completed"))


def call_spans(log):
    """marker -> [(tag, start, end)] for every call (end = start when the call never ended)."""
    open_calls, spans = {}, defaultdict(list)
    for ev in provider_events(log):
        key = (ev.get("marker"), ev.get("tag"), ev.get("peer"))
        if ev.get("ev") == "start":
            open_calls[key] = ev["t"]
        elif ev.get("ev") == "end" and key in open_calls:
            spans[key[0]].append((key[1], open_calls.pop(key), ev["t"]))
    for (marker, tag, _), start in open_calls.items():
        spans[marker].append((tag, start, start))
    return spans


def engine_figures(facts):
    """Crashes (exits the script did not cause), stop timeouts, watchdog kills and peak RSS."""
    crashes, details = 0, []
    for line in facts["exit"]:
        name, pid, status, sent = (line.split(" ") + ["", "", "", ""])[:4]
        status = int(status) if status.lstrip("-").isdigit() else None
        expected = False
        if sent.startswith("KILL"):
            expected = status == 128 + 9
        elif sent == "TERM":
            expected = status in (0, 128 + 15)
        if not expected:
            crashes += 1
            details.append(f"{name} (pid {pid}) exited with status {status} (signal sent: {sent or 'none'})")
    peak = max((int(l.split(" ")[2]) for l in facts["rss"] if len(l.split(" ")) > 2), default=0)
    return {
        "crashes": crashes,
        "crash_details": details,
        "stop_timeouts": len(facts["stop_timeout"]),
        "watchdog_kills": len(facts["watchdog"]),
        "peak_rss_mib": round(peak / 1024, 1),
    }


def job_outcomes(markers, jobs, failed_names):
    """Per submitted marker: succeeded / failed / rejected (inbox/failed) / lost; duplicates."""
    out = {"succeeded": 0, "failed": 0, "rejected": 0, "lost": 0, "duplicate_jobs": 0, "lost_markers": []}
    for m, fname in markers:
        js = jobs.get(m, [])
        if len(js) > 1:
            out["duplicate_jobs"] += 1
        statuses = {j.get("status") for j in js}
        if "succeeded" in statuses:
            out["succeeded"] += 1
        elif statuses & FINAL:
            out["failed"] += 1
        elif not js and fname in failed_names:
            out["rejected"] += 1
        else:
            out["lost"] += 1
            out["lost_markers"].append(m)
    return out


def safe_name(name):
    """The name the engine moves an over-long or non-UTF-8 inbox file to (LibraryStore.safeName)."""
    import unicodedata
    s = name.decode("utf-8", "replace").replace("\ufffd", "_")
    s = "".join("_" if unicodedata.category(c) == "Cc" else c for c in s)
    if s.startswith("."):
        s = "_" + s[1:]
    _, dot, ext = s.rpartition(".")
    keep = "." + ext if dot and 0 < len(ext.encode()) <= 8 else ""
    stem = s[: len(s) - len(keep)]
    while len((stem + keep).encode()) > 100:
        stem = stem[:-1]
    return ((stem or "unnamed") + keep).encode()


def failed_folder(lib):
    try:
        return set(os.listdir(os.path.join(lib, "inbox", "failed")))
    except OSError:
        return set()


def fig(label, value, goal=None, ok=None):
    """One figure row; ok None means informational."""
    return {"label": label, "value": value, "goal": goal, "ok": ok}


def analyze(folder, n, log):
    n = int(n)
    facts = read_facts(folder)
    markers = [tuple(l.split(" ", 1)) for l in facts["marker"]]
    marker_set = {m for m, _ in markers}
    lib = os.path.join(folder, "lib")
    jobs, assets, torn = library_state(lib)
    calls = provider_calls(log, f"s{n}")
    calls = {m: c for m, c in calls.items() if m in marker_set}
    cut_off = cut_off_calls(log, f"s{n}")
    run_twice = sorted(m for m, c in calls.items() if c["calls"] > 1)
    paid_twice = sorted(m for m, c in calls.items() if c["completed"] > 1)
    eng = engine_figures(facts)
    outcomes = job_outcomes(markers, jobs, failed_folder(lib))
    dup_assets = sum(1 for m in marker_set if len(assets.get(m, [])) > 1)
    figures, notes = [], list(facts["note"])
    submitted = len(markers)

    def common_tail(torn_count):
        figures.append(fig("torn sidecars (job/asset/template/library.json that do not parse)", torn_count, "0", torn_count == 0))
        figures.append(fig("engine crashes (exit not caused by the script)", eng["crashes"], "0", eng["crashes"] == 0))
        if eng["stop_timeouts"]:
            figures.append(fig("engines that did not stop within 20 s of SIGTERM", eng["stop_timeouts"], "0", False))
        figures.append(fig("peak RSS of one engine process (VmHWM), MiB", eng["peak_rss_mib"], None, None))
        notes.extend(eng["crash_details"])

    summary = {"submitted": submitted, "lost": outcomes["lost"], "run_twice": len(run_twice), "paid_twice": len(paid_twice),
               "torn": len(torn), "crashes": eng["crashes"], "peak_rss_mib": eng["peak_rss_mib"]}

    if n == 1:
        kills = len(facts["kill"])
        figures += [
            fig("jobs submitted (inbox files: .txt, .json, .md)", submitted),
            fig("kill -9 sent (then restarted at once)", kills),
            fig("jobs succeeded", outcomes["succeeded"], f"{submitted}", outcomes["succeeded"] == submitted),
            fig("jobs failed or rejected", outcomes["failed"] + outcomes["rejected"], "0", outcomes["failed"] + outcomes["rejected"] == 0),
            fig("jobs lost (no final state, or vanished)", outcomes["lost"], "0", outcomes["lost"] == 0),
            fig("inbox files that became two jobs", outcomes["duplicate_jobs"], "0", outcomes["duplicate_jobs"] == 0),
            fig("jobs with two asset folders", dup_assets, "0", dup_assets == 0),
            fig("provider calls cut off by a kill (caller gone before the answer)", cut_off),
            fig("jobs run twice (provider calls > 1)", len(run_twice), f"≤ {2 * kills} (a kill mid-call must rerun)", len(run_twice) <= 2 * kills),
            fig("jobs paid twice (completed calls > 1)", len(paid_twice), f"≤ {kills} (kill between answer and save)", len(paid_twice) <= kills),
        ]
        common_tail(len(torn))
    elif n == 2:
        stopped = [l.split(" ")[0] for l in facts["stopped"]]
        by_id = {j.get("id"): m for m, js in jobs.items() for j in js}
        stopped_markers = [by_id.get(i) for i in stopped]
        stopped_twice = sum(1 for m in stopped_markers if m and calls.get(m, {}).get("calls", 0) > 1)
        stopped_paid = sum(1 for m in stopped_markers if m and calls.get(m, {}).get("completed", 0) > 1)
        figures += [
            fig("jobs submitted", submitted),
            fig("SIGSTOPs of an engine holding a claim", len(facts["stop_round"])),
            fig("jobs the stopped engine held", len(stopped)),
            fig("jobs succeeded", outcomes["succeeded"], f"{submitted}", outcomes["succeeded"] == submitted),
            fig("jobs lost", outcomes["lost"], "0", outcomes["lost"] == 0),
            fig("jobs run twice (provider calls > 1)", len(run_twice), "0", not run_twice),
            fig("jobs paid twice (completed calls > 1)", len(paid_twice), "0", not paid_twice),
            fig("of the stopped holders' jobs: run twice / paid twice", f"{stopped_twice} / {stopped_paid}", "0 / 0", stopped_twice == 0 and stopped_paid == 0),
            fig("jobs with two asset folders", dup_assets, "0", dup_assets == 0),
        ]
        common_tail(len(torn))
    elif n == 3:
        owners = sorted(set(facts["owner"]))
        kills = len(facts["kill"])
        by_host = defaultdict(int)
        for c in calls.values():
            for tag, k in c["tags"].items():
                by_host[tag.split("-", 1)[-1]] += k
        hosts_a = [o for o in owners if o.startswith("hostA.")]
        if kills and len(hosts_a) == 1:
            notes.append(f"the restarted hostA claimed jobs as {hosts_a[0]}, the same owner name as the hostA it replaced "
                         "(a fresh PID namespace hands out the same pid): host.pid does not tell the two processes apart")
        figures += [
            fig("jobs submitted (one inbox, two hosts polling it)", submitted),
            fig("kill -9 of hostA, restarted in a fresh PID namespace", kills),
            fig("provider calls by host", ", ".join(f"{h}: {k}" for h, k in sorted(by_host.items())) or "-"),
            fig("claim owners seen (host.pid)", ", ".join(owners) or "-"),
            fig("jobs succeeded", outcomes["succeeded"], f"{submitted}", outcomes["succeeded"] == submitted),
            fig("jobs lost", outcomes["lost"], "0", outcomes["lost"] == 0),
            fig("inbox files taken by both hosts (two jobs)", outcomes["duplicate_jobs"], "0", outcomes["duplicate_jobs"] == 0),
            fig("provider calls cut off by a kill (caller gone before the answer)", cut_off),
            fig("jobs run twice (provider calls > 1)", len(run_twice), f"≤ {2 * kills} (a kill mid-call must rerun)", len(run_twice) <= 2 * kills),
            fig("jobs paid twice (completed calls > 1)", len(paid_twice), f"≤ {kills}", len(paid_twice) <= kills),
            fig("jobs with two asset folders", dup_assets, "0", dup_assets == 0),
        ]
        common_tail(len(torn))
    elif n == 4:
        copy = os.path.join(folder, "copy")
        jobs2, assets2, torn2 = library_state(copy)
        held = set(facts["held"])
        running_copy, queued_copy = set(facts["running_copy"]), set(facts["queued_copy"])
        id_marker = {j.get("id"): m for m, js in jobs.items() for j in js}
        l2_ran = {m for m, c in calls.items() if c["tags"].get("s4-L2", 0) > 0}
        held_m = {id_marker.get(i) for i in held} - {None}
        queued_m = {id_marker.get(i) for i in queued_copy - held} - {None}
        ran_held = len(held_m & l2_ran)
        ran_queued = len(queued_m & l2_ran)
        both_paid = sum(1 for c in calls.values() if c["completed_tags"].get("s4-L", 0) and c["completed_tags"].get("s4-L2", 0))
        summary["torn"] = len(torn) + len(torn2)
        spans = call_spans(log)
        overlapping = 0
        for m in marker_set:
            mine = [(a, b) for tag, a, b in spans.get(m, []) if tag == "s4-L"]
            theirs = [(a, b) for tag, a, b in spans.get(m, []) if tag == "s4-L2"]
            if any(a1 < b2 and a2 < b1 for a1, b1 in mine for a2, b2 in theirs):
                overlapping += 1
        if held_m & l2_ran:
            notes.append("the copy's running jobs have no claim (the filter leaves claims out), so L2 claims them at once, "
                         "with no lease to wait out (here after its queued jobs, which it takes first)")
        figures += [
            fig("jobs submitted to L", submitted),
            fig("jobs L's engine held (jobs/ID/claim) as `rsync -aF L/ L2/` ran", len(held)),
            fig("the copy's jobs: running / queued (as copied)", f"{len(running_copy)} / {len(queued_copy)}"),
            fig("jobs L held at copy time that L2 ran again", ran_held, "0", ran_held == 0),
            fig("jobs L2 ran while L was running them (provider calls overlapping in time)", overlapping, "0", overlapping == 0),
            fig("jobs queued at the copy that both copies ran", ran_queued, None, None),
            fig("jobs run twice across the copies (provider calls > 1)", len(run_twice), None, None),
            fig("jobs paid by both copies (completed calls in L and in L2)", both_paid, None, None),
            fig("jobs lost in L", outcomes["lost"], "0", outcomes["lost"] == 0),
        ]
        common_tail(len(torn) + len(torn2))
    elif n == 5:
        inbox = os.path.join(lib, "inbox").encode()
        failed = set()
        try:
            failed = set(os.listdir(os.path.join(inbox, b"failed")))
        except OSError:
            pass
        try:
            top = set(os.listdir(inbox))
        except OSError:
            top = set()
        not_failed, no_error, rows = [], 0, []
        for line in facts["hostile"]:
            hexname, what = line.split(" ", 1)
            name = bytes.fromhex(hexname)
            base, dot, ext = name.rpartition(b".")
            variants = {name, safe_name(name)} | {(base + b"-%d." % k + ext) if dot else (name + b"-%d" % k) for k in range(2, 6)}
            landed = next((v for v in variants if v in failed), None)
            if landed is not None:
                where = "inbox/failed/"
                if landed + b".error.txt" not in failed:
                    no_error += 1
                    where += " (no .error.txt)"
            elif name in top:
                where = "still in inbox/"
            elif any(t.startswith(b"." + name + b".") and t.endswith(b".intake") for t in top):
                where = "stuck as a .intake file"
            else:
                where = "vanished"
            if landed is None:
                not_failed.append(what)
            rows.append((what, where))
        canary = facts["canary"][0] if facts["canary"] else ""
        canary_ok = any(j.get("status") == "succeeded" for j in jobs.get(canary, [])) and bool(assets.get(canary))
        alive = [l for l in facts["alive_end"] if l.endswith(" 1")]
        vanished = sum(1 for _, w in rows if w == "vanished")
        summary.update(submitted=len(rows) + 1, lost=vanished + (0 if canary_ok else 1), run_twice=0, paid_twice=0)
        figures += [
            fig("hostile entries dropped into inbox/", len(rows)),
            fig("hostile entries not in inbox/failed/ at the end", len(not_failed), "0", not not_failed),
            fig("of those in inbox/failed/: without NAME.error.txt", no_error, "0", no_error == 0),
            fig("normal request dropped afterwards became an asset", "yes" if canary_ok else "no", "yes", canary_ok),
            fig("engine up at the end", "yes" if alive else "no", "yes", bool(alive)),
            fig(f"engine killed by the RSS watchdog (> {facts['rss_cap'][0] if facts['rss_cap'] else '?'} MiB)", eng["watchdog_kills"], "0", eng["watchdog_kills"] == 0),
        ]
        common_tail(len(torn))
        goal = float(facts["rss_goal"][0]) if facts["rss_goal"] else 512
        figures[-1] = fig("peak RSS of one engine process (VmHWM), MiB", eng["peak_rss_mib"], f"≤ {goal:g}", eng["peak_rss_mib"] <= goal)
        summary["hostile_rows"] = rows
    seconds = float(facts["seconds"][0]) if facts["seconds"] else 0
    violations = [f["label"] + f" = {f['value']} (goal {f['goal']})" for f in figures if f["ok"] is False]
    result = {"n": n, "title": TITLES[n], "summary": summary, "figures": figures, "violations": violations,
              "notes": notes, "seconds": seconds, "run_twice": run_twice, "paid_twice": paid_twice,
              "lost_markers": outcomes["lost_markers"], "torn_paths": torn}
    with open(os.path.join(folder, "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    s = summary
    line = (f"S{n} {TITLES[n]}: {s['submitted']} submitted, {s['lost']} lost, {s['run_twice']} run twice, "
            f"{s['paid_twice']} paid twice, {s['torn']} torn, {s['crashes']} crashes, peak RSS {s['peak_rss_mib']} MiB, {seconds:.0f} s — ")
    line += ("VIOLATION: " + "; ".join(violations)) if violations else "OK"
    print(line)


def cell(v):
    return str(v).replace("|", "\\|")


def write(work, out, *pairs):
    meta = dict(p.split("=", 1) for p in pairs)
    results = []
    for name in sorted(os.listdir(work)):
        path = os.path.join(work, name, "result.json")
        if re.fullmatch(r"s\d", name) and os.path.exists(path):
            with open(path) as f:
                results.append(json.load(f))
    lines = [
        "# Reliability",
        "",
        f"Measured by `scripts/chaos.sh` on {meta.get('date', '?')} at commit `{meta.get('commit', '?')}`"
        f"{' (' + meta['subject'] + ')' if meta.get('subject') else ''}.",
        f"Machine: `{meta.get('uname', '?')}`, {meta.get('nproc', '?')} cores. Binary: `{meta.get('binary', '?')}`. "
        f"Whole run: {meta.get('seconds', '?')} s; random seed {meta.get('seed', '?')}.",
        "",
        f"Paid calls go to a fake OpenAI server on 127.0.0.1 (`scripts/chaos_fake_provider.py`) that takes "
        f"{meta.get('delay', '?')} s per call and logs each call with the job's marker (`chaos-sN-0001` in its prompt). "
        "*Run twice* counts jobs with more than one provider call; *paid twice* counts jobs with more than one call "
        "answered to a caller that was still there. Engines run `creative watch --lease "
        f"{meta.get('lease', '?')}`. Figures are reported, not asserted; **bold** marks a figure that misses its goal. "
        "Sizes are set by environment variables (see the script's header).",
        "",
        "## Summary",
        "",
        "| Scenario | Submitted | Lost | Run twice | Paid twice | Torn sidecars | Engine crashes | Peak RSS (MiB) | Seconds | Goals missed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r["summary"]
        lines.append(f"| {r['n']}. {cell(r['title'])} | {s['submitted']} | {s['lost']} | {s['run_twice']} | {s['paid_twice']} | "
                     f"{s['torn']} | {s['crashes']} | {s['peak_rss_mib']} | {r['seconds']:.0f} | {len(r['violations']) or 'none'} |")
    for r in results:
        lines += ["", f"## {r['n']}. {r['title']}", "", meta.get(f"about{r['n']}", ""), "", "| Figure | Value | Goal |", "|---|---|---|"]
        for f in r["figures"]:
            value = cell(f["value"])
            if f["ok"] is False:
                value = f"**{value}**"
            lines.append(f"| {cell(f['label'])} | {value} | {cell(f['goal']) if f['goal'] is not None else '—'} |")
        if r["summary"].get("hostile_rows"):
            lines += ["", "| Hostile entry | Ended in |", "|---|---|"]
            lines += [f"| {cell(w)} | {cell(e)} |" for w, e in r["summary"]["hostile_rows"]]
        extra = list(r["notes"])
        if r["run_twice"]:
            extra.append("run twice: " + ", ".join(r["run_twice"][:20]) + (" …" if len(r["run_twice"]) > 20 else ""))
        if r["lost_markers"]:
            extra.append("lost: " + ", ".join(r["lost_markers"][:20]))
        if r["torn_paths"]:
            extra.append("torn: " + ", ".join(r["torn_paths"][:10]))
        if extra:
            lines += [""] + [f"- {cell(e)}" for e in extra]
    # A hand-written "## Earlier runs" section at the end survives a new run.
    kept = ""
    try:
        previous = open(out).read()
        if "\n## Earlier runs" in previous:
            kept = previous[previous.index("\n## Earlier runs"):]
    except OSError:
        pass
    with open(out, "w") as f:
        f.write("\n".join(lines).rstrip() + "\n" + kept)


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "analyze":
        analyze(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 4 and sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3], *sys.argv[4:])
    else:
        sys.exit(__doc__)
