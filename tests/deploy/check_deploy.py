#!/usr/bin/python3
"""Checks the deployment files without a Docker engine or a cluster: YAML validity and shape of
the compose file and Kubernetes manifests, that every file the Dockerfile copies exists, that the
systemd unit passes `systemd-analyze verify`, and that the configs the files ship are accepted by
the real server binary (`--print-config`).

Usage: check_deploy.py <repo root> <invitegate-server binary>"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT, SERVER = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
DEPLOY = os.path.join(ROOT, "deploy")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def load_yaml(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


# Kubernetes manifests: each document is an object with apiVersion, kind and metadata.name.
kinds = {}
k8s_dir = os.path.join(DEPLOY, "kubernetes")
for name in sorted(os.listdir(k8s_dir)):
    if not name.endswith(".yaml"):
        continue
    for doc in load_yaml(os.path.join(k8s_dir, name)):
        for field in ("apiVersion", "kind", "metadata"):
            check(field in doc, f"kubernetes/{name}: missing {field}")
        kinds[doc.get("kind")] = doc
for kind in ("StatefulSet", "Service", "ConfigMap", "Secret"):
    check(kind in kinds, f"kubernetes: no {kind}")
if "StatefulSet" in kinds:
    pod = kinds["StatefulSet"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    check("grpc" in container.get("readinessProbe", {}), "statefulset: readiness is not a gRPC probe")
    check("livenessProbe" in container, "statefulset: no liveness probe")
    check(pod["securityContext"].get("runAsNonRoot") is True, "statefulset: may run as root")
    mounts = {m["name"] for m in container["volumeMounts"]}
    check("state" in mounts, "statefulset: no state volume")
    claims = {c["metadata"]["name"] for c in kinds["StatefulSet"]["spec"]["volumeClaimTemplates"]}
    check("state" in claims, "statefulset: the state volume has no claim")
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    service_ports = {p["targetPort"] for p in kinds.get("Service", {}).get("spec", {}).get("ports", [])}
    check(service_ports <= set(ports), f"service targets ports the pod lacks: {service_ports - set(ports)}")
configmap_json = kinds.get("ConfigMap", {}).get("data", {}).get("invitegate.json")
check(configmap_json is not None, "configmap: no invitegate.json")

# Compose: one service built from deploy/Dockerfile, with a health check and a state volume.
compose = load_yaml(os.path.join(DEPLOY, "compose.yaml"))[0]
service = compose["services"]["invitegate"]
check(service["build"]["dockerfile"] == "deploy/Dockerfile", "compose: not built from deploy/Dockerfile")
check("healthcheck" in service, "compose: no healthcheck")
for volume in service.get("volumes", []):
    source = volume.split(":")[0]
    if source.startswith("."):
        check(os.path.exists(os.path.join(DEPLOY, source)), f"compose: mounts missing {source}")

# Dockerfile: multi-stage on Debian 12, non-root, a health check, and every COPY source exists.
with open(os.path.join(DEPLOY, "Dockerfile")) as f:
    dockerfile = f.read()
froms = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
check(len(froms) >= 2 and all(f.startswith("debian:12") for f in froms),
      f"Dockerfile: stages are not Debian 12: {froms}")
check(re.search(r"^USER\s+(?!0|root)", dockerfile, re.M) is not None, "Dockerfile: runs as root")
check("HEALTHCHECK" in dockerfile, "Dockerfile: no HEALTHCHECK")
for line in re.findall(r"^COPY\s+(?!--from)(.+)$", dockerfile, re.M):
    for source in line.split()[:-1]:
        check(os.path.exists(os.path.join(ROOT, source)), f"Dockerfile copies missing {source}")

# The configs shipped are accepted by the server itself.
with tempfile.TemporaryDirectory() as tmp:
    configs = {"invitegate.container.json": os.path.join(DEPLOY, "invitegate.container.json")}
    if configmap_json:
        # The secrets it names are mounted from the Secret at run time: stand-ins here.
        def stand_in(value):
            if isinstance(value, dict):
                return {k: stand_in(v) for k, v in value.items()}
            if isinstance(value, list):
                return [stand_in(v) for v in value]
            if isinstance(value, str) and value.startswith("/run/secrets/"):
                path = os.path.join(tmp, value.replace("/", "_"))
                with open(path, "w") as f:
                    f.write("stand-in-secret-0123456789abcdef\n")
                os.chmod(path, 0o600)
                return path
            return value
        path = os.path.join(tmp, "configmap.json")
        with open(path, "w") as f:
            json.dump(stand_in(json.loads(configmap_json)), f)
        configs["kubernetes configmap"] = path
    env = dict(os.environ, INVITEGATE_TELEGRAM_API_HASH="0" * 32)
    for label, path in configs.items():
        run = subprocess.run([SERVER, f"--config={path}", "--print-config"], cwd=tmp, env=env,
                             capture_output=True, text=True, timeout=60)
        check(run.returncode == 0, f"{label}: rejected by the server: {run.stderr.strip()[-400:]}")

# systemd: the unit verifies (with ExecStart pointed at the binary built here).
if shutil.which("systemd-analyze"):
    with open(os.path.join(DEPLOY, "systemd", "invitegate.service")) as f:
        unit = f.read().replace("/usr/local/bin/invitegate-server", os.path.abspath(SERVER))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "invitegate.service")
        with open(path, "w") as f:
            f.write(unit)
        run = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True)
        check(run.returncode == 0 and "invitegate.service" not in run.stderr,
              f"systemd-analyze verify: {run.stderr.strip()}")
else:
    failures.append("systemd-analyze is not installed (scripts/install-deps.sh installs systemd)")

for failure in failures:
    print("FAIL:", failure)
print(f"check_deploy: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
