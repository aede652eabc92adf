"""The deploy/ examples parse, and the worker command line in each is one the real
`ferry worker` accepts (--check-config parses and checks it, contacting nothing)."""
import json
import os
import re
import shlex
import subprocess

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(REPO, "deploy")
SAMPLE_QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/ferry-jobs"


def check_worker(ferry_bin, argv):
    """argv after the binary: must start with `worker` and pass --check-config."""
    assert argv[0] == "worker", argv
    r = subprocess.run([ferry_bin, *argv, "--check-config"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, f"{argv}: {r.stderr}"
    assert "configuration ok" in r.stdout


def substitute(text):
    return (text.replace("${FERRY_QUEUE_URL}", SAMPLE_QUEUE)
            .replace('"$FERRY_QUEUE_URL"', SAMPLE_QUEUE).replace("${QueueUrl}", SAMPLE_QUEUE))


def test_systemd_unit(ferry_bin):
    text = open(os.path.join(DEPLOY, "systemd", "ferry-worker.service")).read()
    sections = set(re.findall(r"^\[(\w+)\]$", text, re.M))
    assert sections == {"Unit", "Service", "Install"}
    exec_start = re.search(r"^ExecStart=(.*)$", text, re.M).group(1)
    argv = shlex.split(substitute(exec_start))
    assert argv[0].endswith("/ferry")
    check_worker(ferry_bin, argv[1:])


def test_container_file(ferry_bin):
    text = open(os.path.join(DEPLOY, "container", "Containerfile")).read()
    assert re.search(r"^FROM debian:12 AS build$", text, re.M)
    entry = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M).group(1))
    assert entry[:2] == ["/bin/sh", "-c"]
    script = substitute(entry[2]).replace(' "$@"', "")
    argv = shlex.split(script)
    assert argv[0] == "exec" and argv[1].endswith("/ferry")
    check_worker(ferry_bin, argv[2:])


def test_kubernetes_deployment_and_keda_scaler(ferry_bin):
    docs = list(yaml.safe_load_all(open(os.path.join(DEPLOY, "kubernetes", "worker.yaml"))))
    by_kind = {d["kind"]: d for d in docs}
    assert set(by_kind) == {"ServiceAccount", "Deployment", "TriggerAuthentication",
                            "ScaledObject"}
    container = by_kind["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["/usr/local/bin/ferry"]
    check_worker(ferry_bin, container["args"])
    trigger = by_kind["ScaledObject"]["spec"]["triggers"][0]
    assert trigger["type"] == "aws-sqs-queue"
    queue = container["args"][container["args"].index("--queue") + 1]
    assert trigger["metadata"]["queueURL"] == queue
    assert by_kind["ScaledObject"]["spec"]["scaleTargetRef"]["name"] == \
        by_kind["Deployment"]["metadata"]["name"]


def test_ec2_auto_scaling_with_step_policies(ferry_bin):
    template = json.load(open(os.path.join(DEPLOY, "ec2", "autoscaling.json")))
    resources = template["Resources"]
    types = {r["Type"] for r in resources.values()}
    assert {"AWS::AutoScaling::AutoScalingGroup", "AWS::AutoScaling::ScalingPolicy",
            "AWS::CloudWatch::Alarm", "AWS::EC2::LaunchTemplate"} <= types
    policies = [r for r in resources.values() if r["Type"] == "AWS::AutoScaling::ScalingPolicy"]
    assert all(p["Properties"]["PolicyType"] == "StepScaling" for p in policies)
    alarm = resources["QueueDeepAlarm"]["Properties"]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    user_data = resources["LaunchTemplate"]["Properties"]["LaunchTemplateData"]["UserData"][
        "Fn::Base64"]["Fn::Sub"]
    exec_start = re.search(r"^ExecStart=(.*)$", user_data, re.M).group(1)
    argv = shlex.split(substitute(exec_start))
    check_worker(ferry_bin, argv[1:])


def test_the_check_refuses_what_a_worker_would_refuse(ferry_bin):
    for argv in [["worker", "--queue", SAMPLE_QUEUE, "--concurency", "4"],
                 ["worker", "--queue", "not-a-url"],
                 ["worker", "--queue", SAMPLE_QUEUE, "--metrics-listen", "nowhere"]]:
        r = subprocess.run([ferry_bin, *argv, "--check-config"], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 2, (argv, r.stdout, r.stderr)
