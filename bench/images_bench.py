#!/usr/bin/env python3
"""`ferry images sync` against `skopeo sync` on the same images and registries.

Two Debian docker-registry instances (plain HTTP, on this machine) from the test
bed; the images are built from scratch (multi-arch, one incompressible layer of
--layer-mib per image) and pushed with skopeo. Each tool copies every repository
into a fresh prefix of the destination, then runs again on what it copied (a
no-op resync). Tools alternate; figures are medians of --repeat rounds. Request
counts come from the registries' access logs. Rewrites the "Container images"
section of docs/BENCHMARKS.md (and nothing else of it).

  python3 bench/images_bench.py --repos 4 --layer-mib 16 --repeat 3
"""
import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import tempfile
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "testbed"))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.path.insert(0, os.path.join(REPO, "bench"))
import testbed  # noqa: E402
from bench import run_measured  # noqa: E402
from oci_image import build_multiarch  # noqa: E402

FERRY = os.path.join(REPO, "build", "ferry")
MARK_BEGIN, MARK_END = "<!-- images-bench:begin -->", "<!-- images-bench:end -->"


def start_registries(root):
    procs, servers = [], {}
    for name in ("src", "dst"):
        log_path = os.path.join(root, f"{name}.log")
        proc, server = testbed.start_registry(f"bench_{name}", root, open(log_path, "w"))
        procs.append(proc)
        testbed.wait_registry(name, proc, server, log_path)
        servers[name] = server
    return procs, servers


def count(log, pattern):
    with open(log, errors="replace") as f:
        return sum(1 for line in f if re.search(pattern, line))


def measure(cmd, src, dst, prefix):
    marks = (count(src["log"], ""), count(dst["log"], ""))
    wall, cpu, rss = run_measured(cmd, dict(os.environ))
    with open(src["log"], errors="replace") as f:
        src_lines = f.readlines()[marks[0]:]
    with open(dst["log"], errors="replace") as f:
        dst_lines = f.readlines()[marks[1]:]
    return {"wall": wall, "cpu": cpu, "rss": rss,
            "src_requests": len(src_lines),
            "manifest_gets": sum('"GET /v2/' in l and "/manifests/" in l for l in src_lines),
            "dst_requests": len(dst_lines),
            "uploads": sum(f'"POST /v2/{prefix}/' in l and "/blobs/uploads/" in l
                           for l in dst_lines)}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", type=int, default=4)
    parser.add_argument("--layer-mib", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=os.path.join(REPO, "docs", "BENCHMARKS.md"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ferry-images-bench-") as root:
        procs, servers = start_registries(root)
        src, dst = servers["src"], servers["dst"]
        try:
            names = [f"bench/r{i}" for i in range(args.repos)]
            for i, name in enumerate(names):
                layout = os.path.join(root, f"oci-{i}")
                build_multiarch(layout, f"bench-{i}", big_layer=args.layer_mib << 20)
                for tag in ("v1", "v2"):
                    subprocess.run(["skopeo", "copy", "--all", "--preserve-digests",
                                    "--dest-tls-verify=false", f"oci:{layout}:{tag}",
                                    f"docker://{src['host']}/{name}:{tag}"],
                                   check=True, capture_output=True)
            listing = os.path.join(root, "skopeo.yml")
            with open(listing, "w") as f:
                f.write(f"{src['host']}:\n  tls-verify: false\n  images:\n")
                for name in names:
                    f.write(f"    {name}: []\n")

            def ferry(prefix):
                return [FERRY, "images", "sync", f"{src['host']}/bench", f"{dst['host']}/{prefix}",
                        "--all-repos", "--insecure-src", "--insecure-dst"]

            def skopeo(prefix):
                return ["skopeo", "sync", "--all", "--src", "yaml", "--dest", "docker",
                        "--dest-tls-verify=false", listing, f"{dst['host']}/{prefix}"]

            tools = {"ferry images sync": ferry, "skopeo sync --all": skopeo}
            results = {t: {"copy": [], "resync": []} for t in tools}
            for _ in range(args.repeat):
                for tool, make in tools.items():
                    prefix = f"p{uuid.uuid4().hex[:8]}"
                    results[tool]["copy"].append(measure(make(prefix), src, dst, prefix))
                    results[tool]["resync"].append(measure(make(prefix), src, dst, prefix))
        finally:
            testbed.stop_pids([p.pid for p in procs])

    mib = args.repos * (args.layer_mib + 0.01)
    version = subprocess.run(["skopeo", "--version"], capture_output=True, text=True).stdout
    lines = [MARK_BEGIN, "## Container images", "",
             f"Generated by `python3 bench/images_bench.py --repos {args.repos} --layer-mib "
             f"{args.layer_mib} --repeat {args.repeat}` on {datetime.date.today()}; "
             f"{version.strip()}.", "",
             f"{args.repos} repositories, each with tags v1 (an OCI index: amd64 + arm64) and v2 "
             f"(the arm64 manifest), {args.layer_mib} MiB of incompressible layer per repository "
             f"(about {mib:.0f} MiB in all), copied between two docker-registry 2.8 instances "
             "(plain HTTP) on this machine, which share its 2 cores with the tool. Each tool "
             "copies every repository into a fresh prefix, then runs again (resync). Medians of "
             f"{args.repeat} alternating rounds; requests counted in the registries' access logs.",
             "", "| tool | run | wall s | MB/s | CPU s | peak RSS MiB | source requests "
             "(manifest GETs) | destination requests | blob uploads |",
             "|---|---|---|---|---|---|---|---|---|"]
    for tool, runs in results.items():
        for kind in ("copy", "resync"):
            m = {k: statistics.median(r[k] for r in runs[kind]) for k in runs[kind][0]}
            rate = f"{mib * 1.048576 / m['wall']:.1f}" if kind == "copy" else "-"
            lines.append(f"| {tool} | {kind} | {m['wall']:.2f} | {rate} | {m['cpu']:.2f} | "
                         f"{m['rss']:.0f} | {m['src_requests']:.0f} ({m['manifest_gets']:.0f}) | "
                         f"{m['dst_requests']:.0f} | {m['uploads']:.0f} |")
    lines.append(MARK_END)
    section = "\n".join(lines) + "\n"
    text = open(args.out).read() if os.path.exists(args.out) else "# Benchmarks\n"
    if MARK_BEGIN in text:
        text = text[:text.index(MARK_BEGIN)] + section + text[text.index(MARK_END) + len(MARK_END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(args.out, "w") as f:
        f.write(text)
    print(section)


if __name__ == "__main__":
    main()
