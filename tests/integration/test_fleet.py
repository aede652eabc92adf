"""Fleet mode end to end: a planner (`ferry sync --fleet`) and three `ferry worker`
processes share one run through moto's SQS, between two SeaweedFS servers; every
result is checked with boto3."""
import io
import json
import os
import signal
import subprocess
import time
import urllib.request
import uuid

import boto3
import pytest
from boto3.s3.transfer import TransferConfig

from conftest import pattern

MIB = 1024 * 1024


@pytest.fixture(scope="session")
def sqs(testbed):
    m = testbed["moto"]
    return boto3.client("sqs", endpoint_url=m["endpoint"], region_name=m["region"],
                        aws_access_key_id=m["access_key"], aws_secret_access_key=m["secret_key"])


@pytest.fixture
def fleet_queues(sqs):
    """fleet_queues(max_receive_count) -> work queue URL, with NAME-dlq and NAME-results."""
    made = []

    def make(max_receive_count=4):
        name = f"f-{uuid.uuid4().hex[:10]}"
        dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"]
        url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": arn, "maxReceiveCount": str(max_receive_count)})})[
            "QueueUrl"]
        results = sqs.create_queue(QueueName=name + "-results")["QueueUrl"]
        made.extend([url, dlq, results])
        return url
    yield make
    for url in made:
        sqs.delete_queue(QueueUrl=url)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Worker:
    # The test bed is on loopback, which a worker refuses as a target by default.
    def __init__(self, ferry_bin, queue, secret, tmp_path, n, *extra,
                 targets=("--allow-target", "loopback")):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_EC2_METADATA_DISABLED="true", HOME=str(tmp_path),
                   XDG_STATE_HOME=str(tmp_path / f"worker-{n}"))
        self.log_path = tmp_path / f"worker-{n}.log"
        self.proc = subprocess.Popen(
            [ferry_bin, "worker", "--queue", queue, "--queue-secret", secret,
             "--visibility-timeout", "10", "--metrics-listen", f"127.0.0.1:{self.port}", "-v",
             *targets, *extra],
            env=env, stderr=open(self.log_path, "w"))

    def metrics(self):
        try:
            text = urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics",
                                          timeout=2).read().decode()
        except OSError:
            return {}
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = int(value)
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(30)

    def log(self):
        return self.log_path.read_text()


@pytest.fixture
def fleet(ferry_bin, testbed, tmp_path, side_args):
    """Starts workers and planners; stops what is left at the end."""
    started = []
    secret = tmp_path / "queue.json"
    m = testbed["moto"]
    secret.write_text(json.dumps({"access_key_id": m["access_key"],
                                  "secret_access_key": m["secret_key"]}))

    class Fleet:
        def worker(self, queue, *extra, **kw):
            w = Worker(ferry_bin, queue, str(secret), tmp_path, len(started), *extra, **kw)
            started.append(w)
            return w

        def planner(self, queue, src, dst, *extra):
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update(AWS_EC2_METADATA_DISABLED="true", HOME=str(tmp_path),
                       XDG_STATE_HOME=str(tmp_path / "planner"))
            return subprocess.Popen(
                [ferry_bin, "sync", f"s3://{src}", f"s3://{dst}", "--fleet", queue,
                 "--queue-secret", str(secret), "--json", "--part-threshold", "10M",
                 "--part-item-bytes", "5M", *side_args("src", "seaweed_a"),
                 *side_args("dst", "seaweed_b"), *extra],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield Fleet()
    for w in started:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()


def finish(planner, timeout=180):
    out, err = planner.communicate(timeout=timeout)
    lines = out.strip().splitlines()
    return planner.returncode, (json.loads(lines[-1]) if lines else None), err


def wait_for(condition, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)  # polling interval of a check, not a synchronisation
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def listing(client, bucket):
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            out[o["Key"]] = (o["Size"], o["ETag"].strip('"'))
    return out


def put_large(client, bucket, key, data):
    """Uploaded in 5 MiB parts, as the AWS CLI would with that chunk size."""
    client.upload_fileobj(io.BytesIO(data), bucket, key, Config=TransferConfig(
        multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=4))


def test_three_workers_one_killed_mid_item_and_mid_part(fleet, fleet_queues, s3, bucket, sqs):
    src, dst = bucket("seaweed_a"), bucket("seaweed_b")
    sa, sb = s3("seaweed_a"), s3("seaweed_b")
    for i in range(2000):
        sa.put_object(Bucket=src, Key=f"small/{i:05d}", Body=pattern(100 + i % 900, seed=i))
    large = {f"large/{n}": pattern(21 * MIB + n, seed=n) for n in range(2)}
    for key, data in large.items():
        put_large(sa, src, key, data)
    sb.put_object(Bucket=dst, Key="only-here", Body=b"x")
    queue = fleet_queues()

    # The first worker takes many items at once and dies with kill -9 once it has
    # stored parts of a large object: its items, whole and partial, must come back.
    first = fleet.worker(queue, "--items", "32")
    planner = fleet.planner(queue, src, dst, "--item-objects", "100", "--delete")
    wait_for(lambda: first.metrics().get("ferry_worker_parts_total", 0) >= 1, timeout=60,
             what="the first worker to store a part")
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    others = [fleet.worker(queue) for _ in range(2)]
    code, summary, err = finish(planner)
    assert code == 0, err
    expected = listing(sa, src)
    assert listing(sb, dst) == expected  # same keys, sizes and ETags (part layouts kept)
    for key, data in large.items():
        assert sb.get_object(Bucket=dst, Key=key)["Body"].read() == data
        assert expected[key][1].endswith("-5")
    assert sb.list_multipart_uploads(Bucket=dst).get("Uploads", []) == []
    assert summary["part_items"] == 10 and summary["deleted"] == 1
    assert summary["failed"] == 0 and summary["differences"] == 0
    # Every SQS request the run made, against the original's design (0.3 per object
    # plus two DynamoDB writes): the worker side is counted by the workers' metrics.
    for w in others:
        assert w.stop() == 0, w.log()


def test_a_poison_item_ends_in_the_dead_letter_queue_and_the_report(
        fleet, fleet_queues, s3, bucket, sqs, tmp_path):
    src, dst = bucket("seaweed_a"), bucket("seaweed_b")
    sa, sb = s3("seaweed_a"), s3("seaweed_b")
    for i in range(20):
        sa.put_object(Bucket=src, Key=f"k{i:02d}", Body=pattern(50 + i, seed=i))
    queue = fleet_queues(max_receive_count=2)
    report = tmp_path / "report.jsonl"
    planner = fleet.planner(queue, src, dst, "--max-attempts", "1", "--report", str(report))
    # Planned (the item is on the queue), then the object is deleted from the source.
    wait_for(lambda: int(sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[
        "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"]) >= 1,
        what="the item on the queue")
    sa.delete_object(Bucket=src, Key="k07")
    sqs.send_message(QueueUrl=queue, MessageBody="not a work item")
    workers = [fleet.worker(queue) for _ in range(2)]
    code, summary, err = finish(planner)
    assert code == 3, err
    assert summary["dead_items"] == 1 and summary["failed"] >= 1
    assert any(f["key"] == "k07" for f in summary["failures"])
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert any(line["key"] == "k07" and line["action"] == "failed" for line in lines)
    dlq = queue + "-dlq"
    dead = []
    wait_for(lambda: dead.extend(m["Body"] for m in sqs.receive_message(
        QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])) or len(dead) >= 2,
        timeout=30, what="both poison messages in the dead-letter queue")
    assert "not a work item" in dead
    for w in workers:
        assert w.stop() == 0


def test_a_worker_refuses_item_endpoints_on_loopback_unless_allowed(
        fleet, fleet_queues, s3, bucket):
    """Whoever writes the queue names the items' endpoints: a worker applies the
    server's target policy to them (its own --queue is exempt)."""
    src, dst = bucket("seaweed_a"), bucket("seaweed_b")
    sa, sb = s3("seaweed_a"), s3("seaweed_b")
    for i in range(3):
        sa.put_object(Bucket=src, Key=f"k{i}", Body=pattern(100, seed=i))
    queue = fleet_queues(max_receive_count=1)
    worker = fleet.worker(queue, targets=())
    code, summary, err = finish(fleet.planner(queue, src, dst, "--max-attempts", "1"),
                                timeout=60)
    assert code == 3, err
    assert summary["failed"] >= 1 and summary["dead_items"] == 1
    assert any("loopback" in f["error"] for f in summary["failures"]), summary["failures"]
    assert sb.list_objects_v2(Bucket=dst).get("KeyCount", 0) == 0
    assert worker.stop() == 0, worker.log()


def test_sigterm_returns_a_workers_items_at_once(fleet, fleet_queues, s3, bucket, sqs):
    src, dst = bucket("seaweed_a"), bucket("seaweed_b")
    sa, sb = s3("seaweed_a"), s3("seaweed_b")
    for i in range(300):
        sa.put_object(Bucket=src, Key=f"k{i:03d}", Body=pattern(2000, seed=i))
    queue = fleet_queues()
    worker = fleet.worker(queue, "--items", "16", "--concurrency", "2")
    planner = fleet.planner(queue, src, dst, "--item-objects", "10")
    wait_for(lambda: worker.metrics().get("ferry_worker_items_in_flight", 0) >= 4,
             what="items in flight on the worker")
    stopped_at = time.monotonic()
    assert worker.stop() == 0, worker.log()
    # Its items are visible again at once, not after their 10 s visibility timeout.
    wait_for(lambda: sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[
        "ApproximateNumberOfMessagesNotVisible"])["Attributes"][
        "ApproximateNumberOfMessagesNotVisible"] == "0", timeout=10, what="no hidden items")
    assert time.monotonic() - stopped_at < 9
    fleet.worker(queue)
    code, summary, err = finish(planner)
    assert code == 0, err
    assert listing(sb, dst) == listing(sa, src)


def test_a_planner_killed_mid_run_resumes_without_resending(fleet, fleet_queues, s3, bucket,
                                                             sqs):
    src, dst = bucket("seaweed_a"), bucket("seaweed_b")
    sa, sb = s3("seaweed_a"), s3("seaweed_b")
    for i in range(600):
        sa.put_object(Bucket=src, Key=f"k{i:04d}", Body=pattern(300, seed=i))
    queue = fleet_queues()
    worker = fleet.worker(queue)
    planner = fleet.planner(queue, src, dst, "--item-objects", "20")
    wait_for(lambda: worker.metrics().get('ferry_worker_items_total{result="done"}', 0) >= 3,
             what="some items done")
    planner.kill()
    planner.wait()
    planner = fleet.planner(queue, src, dst, "--item-objects", "20")
    code, summary, err = finish(planner)
    assert code == 0, err
    assert summary["resumed"] is True
    assert listing(sb, dst) == listing(sa, src)
    received = worker.metrics()['ferry_worker_items_total{result="received"}']
    # 30 items planned in all; a few sent twice at most (those in the batch being sent
    # when the planner died), never the whole run again.
    assert received <= 30 + 10, received
    assert worker.stop() == 0


def test_a_server_task_plans_for_the_fleet(fleet, fleet_queues, s3, bucket, ferry_bin, tmp_path,
                                            testbed):
    from test_server import ADMIN_PASSWORD, Api, FerryServer, store_credential
    src, dst = bucket("seaweed_a"), bucket("seaweed_b")
    sa, sb = s3("seaweed_a"), s3("seaweed_b")
    for i in range(50):
        sa.put_object(Bucket=src, Key=f"k{i:02d}", Body=pattern(100 + i, seed=i))
    queue = fleet_queues()
    worker = fleet.worker(queue)
    # The planner reads both sides with secret files of the server's: only an
    # admin's task, on a server that lends its own credentials.
    server = FerryServer(ferry_bin, str(tmp_path / "server"),
                         extra_args=["--allow-target", "loopback",
                                     "--allow-server-credentials"]).start()
    try:
        admin = Api(server).login("admin", ADMIN_PASSWORD)
        store_credential(admin, testbed, "moto-keys", "moto")
        secrets = {}
        for name in ["seaweed_a", "seaweed_b"]:
            s = testbed[name]
            secrets[name] = tmp_path / f"{name}.json"
            secrets[name].write_text(json.dumps({"access_key_id": s["access_key"],
                                                 "secret_access_key": s["secret_key"]}))

        def side(name):
            return {"endpoint": testbed[name]["endpoint"], "path_style": True,
                    "secret": str(secrets[name])}
        spec = {"source": f"s3://{src}", "destination": f"s3://{dst}",
                "source_endpoint": side("seaweed_a"), "destination_endpoint": side("seaweed_b"),
                "fleet": {"queue": queue, "queue_credential": "moto-keys", "item_objects": 10}}
        # Stored credentials would have to travel to the workers: refused.
        refused = admin.call("POST", "/api/v1/tasks", dict(
            spec, source_endpoint=dict(side("seaweed_a"), secret="", credential="moto-keys")))
        assert refused.status_code == 400 and "never keys" in refused.text
        task = admin.ok("POST", "/api/v1/tasks", spec, status=201)
        admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
        done = admin.wait_task(task["id"], {"Completed", "Failed"}, timeout=120)
        assert done["state"] == "Completed", done
        run = admin.runs(task["id"])[0]
        assert run["progress"]["objects_done"] == 50 and run["progress"]["failed"] == 0
        assert listing(sb, dst) == listing(sa, src)
    finally:
        server.stop()
    assert worker.stop() == 0


def test_events_and_planned_items_share_one_fleet(fleet, fleet_queues, s3, bucket, sqs,
                                                  side_args):
    """moto's S3 sends its event notifications to the fleet's queue: the same worker
    applies them beside the items a planner sends."""
    events_src, events_dst = bucket("moto"), bucket("seaweed_b")
    src, dst = bucket("seaweed_a"), bucket("seaweed_b")
    sm, sa, sb = s3("moto"), s3("seaweed_a"), s3("seaweed_b")
    queue = fleet_queues()
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    sm.put_bucket_notification_configuration(Bucket=events_src, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*",
                                                              "s3:ObjectRemoved:*"]}]})
    worker = fleet.worker(queue, "--events", f"s3://{events_src}", f"s3://{events_dst}/in",
                          "--delete", *side_args("src", "moto"), *side_args("dst", "seaweed_b"))
    expected = {f"in/e{i}": pattern(300 + i, seed=i) for i in range(5)}
    for key, data in expected.items():
        sm.put_object(Bucket=events_src, Key=key[3:], Body=data)
    sm.delete_object(Bucket=events_src, Key="e4")
    del expected["in/e4"]
    for i in range(30):
        sa.put_object(Bucket=src, Key=f"p{i:02d}", Body=pattern(200, seed=i))
    code, summary, err = finish(fleet.planner(queue, src, dst, "--item-objects", "10"))
    assert code == 0, err

    def events_applied():
        got = {}
        for o in sb.list_objects_v2(Bucket=events_dst).get("Contents", []):
            got[o["Key"]] = sb.get_object(Bucket=events_dst, Key=o["Key"])["Body"].read()
        return got == expected
    wait_for(events_applied, timeout=30, what="the events applied by the worker")
    assert listing(sb, dst) == listing(sa, src)
    assert worker.stop() == 0, worker.log()
