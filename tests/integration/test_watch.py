"""`ferry watch` end to end: moto's S3 sends event notifications to moto's SQS,
a SeaweedFS bucket is the destination, and every result is checked with boto3."""
import json
import os
import signal
import subprocess
import threading
import time
import uuid

import boto3
import pytest

from conftest import pattern

MIB = 1024 * 1024


@pytest.fixture(scope="session")
def sqs(testbed):
    m = testbed["moto"]
    return boto3.client("sqs", endpoint_url=m["endpoint"], region_name=m["region"],
                        aws_access_key_id=m["access_key"], aws_secret_access_key=m["secret_key"])


@pytest.fixture
def queues(sqs):
    """queues(max_receive_count) -> (url, dlq_url): a queue with a dead-letter queue."""
    made = []

    def make(max_receive_count=2):
        name = f"w-{uuid.uuid4().hex[:10]}"
        dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)})})[
            "QueueUrl"]
        made.extend([url, dlq])
        return url, dlq
    yield make
    for url in made:
        sqs.delete_queue(QueueUrl=url)


class Watch:
    """A `ferry watch` process; its stderr is collected as it runs."""

    def __init__(self, ferry_bin, args, env):
        self.proc = subprocess.Popen([ferry_bin, "watch", *args, "-v"], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.lines = []
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        assert self.ready.wait(30), "the watch did not start:\n" + "".join(self.lines)

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line)
            if "watching " in line:
                self.ready.set()
        self.ready.set()

    def stop(self):
        """SIGTERM; returns (exit code, JSON summary)."""
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=60)
        self.reader.join(10)
        summary = json.loads(out.strip().splitlines()[-1]) if out.strip() else None
        return self.proc.returncode, summary

    def kill(self):
        self.proc.kill()
        self.proc.wait(10)

    def log(self):
        return "".join(self.lines)


@pytest.fixture
def watch(ferry_bin, tmp_path):
    started = []

    def start(*args):
        env = dict(os.environ)
        env.setdefault("HOME", str(tmp_path))
        env["XDG_STATE_HOME"] = str(tmp_path / "state")
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        for var in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                    "AWS_PROFILE", "AWS_ENDPOINT_URL"]:
            env.pop(var, None)
        w = Watch(ferry_bin, [*args, "--json"], env)
        started.append(w)
        return w
    yield start
    for w in started:
        if w.proc.poll() is None:
            w.kill()


def wait_for(condition, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)  # polling interval of a check against a server, not a synchronisation
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def contents(client, bucket, prefix=""):
    """key -> bytes under `prefix`, as boto3 reads them."""
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            try:
                out[o["Key"][len(prefix):]] = client.get_object(Bucket=bucket, Key=o["Key"])[
                    "Body"].read()
            except client.exceptions.NoSuchKey:
                out[o["Key"][len(prefix):]] = None  # listed while being written or deleted
    return out


def queue_empty(sqs, url):
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return a["ApproximateNumberOfMessages"] == "0" and \
        a["ApproximateNumberOfMessagesNotVisible"] == "0"


def event(bucket, key, name="ObjectCreated:Put", size=0, etag="", sequencer=None):
    obj = {"key": key, "size": size, "eTag": etag}
    if sequencer:
        obj["sequencer"] = sequencer
    return {"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": name,
            "s3": {"bucket": {"name": bucket}, "object": obj}}


def test_set_up_in_one_step_then_puts_overwrites_and_deletes_replicate(
        watch, s3, sqs, bucket, side_args, testbed):
    src, dst = bucket("moto"), bucket("seaweed_b")
    sc, dc = s3("moto"), s3("seaweed_b")
    queue_url = f"{testbed['moto']['endpoint']}/123456789012/w-{uuid.uuid4().hex[:10]}"
    w = watch(f"s3://{src}/data", f"s3://{dst}/copy", "--events", queue_url, "--create-queue",
              "--setup-notifications", "--delete", "--resync", "off",
              "--visibility-timeout", "10", *side_args("src", "moto"),
              *side_args("dst", "seaweed_b"))
    try:
        # The queue, its dead-letter queue and the bucket's notification exist now.
        attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
        assert json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"].endswith("-dlq")
        config = sc.get_bucket_notification_configuration(Bucket=src)["QueueConfigurations"]
        assert config[0]["QueueArn"] == attrs["QueueArn"]
        assert set(config[0]["Events"]) == {"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}

        expected = {}
        for i in range(6):
            data = pattern(1000 + i, seed=i)
            sc.put_object(Bucket=src, Key=f"data/k{i} x+y", Body=data)
            expected[f"k{i} x+y"] = data
        sc.put_object(Bucket=src, Key="outside/ignored", Body=b"no")
        wait_for(lambda: contents(dc, dst, "copy/") == expected, what="the first puts")

        expected["k1 x+y"] = pattern(5000, seed=99)
        sc.put_object(Bucket=src, Key="data/k1 x+y", Body=expected["k1 x+y"])
        sc.delete_object(Bucket=src, Key="data/k2 x+y")
        del expected["k2 x+y"]
        wait_for(lambda: contents(dc, dst, "copy/") == expected, what="an overwrite and a delete")
        wait_for(lambda: queue_empty(sqs, queue_url), what="every message deleted")
    finally:
        code, summary = w.stop()
    assert code == 0, w.log()
    assert summary["test_events"] >= 1
    assert summary["copied"] == 7 and summary["deleted"] == 1
    assert summary["failed"] == 0  # the bucket filters by prefix: no event for outside/
    assert "outside/ignored" not in contents(dc, dst)
    sqs.delete_queue(QueueUrl=queue_url)
    sqs.delete_queue(QueueUrl=queue_url + "-dlq")


def test_out_of_order_and_multi_record_messages(watch, s3, sqs, bucket, queues, side_args):
    src, dst = bucket("moto"), bucket("seaweed_b")
    sc, dc = s3("moto"), s3("seaweed_b")
    url, _ = queues()
    old, new = pattern(300, seed=1), pattern(400, seed=2)
    sc.put_object(Bucket=src, Key="k", Body=new)
    new_etag = sc.head_object(Bucket=src, Key="k")["ETag"].strip('"')
    for i in range(3):
        sc.put_object(Bucket=src, Key=f"m{i}", Body=pattern(10 + i, seed=i))
    # The newer event is delivered first; the older one after it: it must not win.
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"Records": [
        event(src, "k", size=len(new), etag=new_etag, sequencer="0055AED6DCD90281E6")]}))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"Records": [
        event(src, "k", size=len(old), etag="0" * 32, sequencer="0055AED6DCD90281E5")]}))
    # Without a sequencer the source's current state decides.
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"Records": [
        event(src, "k", size=len(old), etag="1" * 32)]}))
    # One message, several records: all handled before it is deleted.
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"Records": [
        event(src, f"m{i}", size=10 + i,
              etag=sc.head_object(Bucket=src, Key=f"m{i}")["ETag"].strip('"'))
        for i in range(3)]}))
    w = watch(f"s3://{src}", f"s3://{dst}", "--events", url, "--resync", "off",
              *side_args("src", "moto"), *side_args("dst", "seaweed_b"))
    try:
        wait_for(lambda: queue_empty(sqs, url), what="every message handled")
    finally:
        code, summary = w.stop()
    assert code == 0, w.log()
    got = contents(dc, dst)
    assert got["k"] == new
    assert {got[f"m{i}"] for i in range(3)} == {pattern(10 + i, seed=i) for i in range(3)}
    assert summary["stale"] == 2 and summary["copied"] == 4, summary
    assert summary["records"] == 6


def test_a_poison_message_ends_in_the_dead_letter_queue(watch, s3, sqs, bucket, queues,
                                                        side_args):
    src, dst = bucket("moto"), bucket("seaweed_b")
    url, dlq = queues(max_receive_count=2)
    sqs.send_message(QueueUrl=url, MessageBody="this is no S3 event")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"Records": [{"eventName": "x"}]}))
    w = watch(f"s3://{src}", f"s3://{dst}", "--events", url, "--resync", "off",
              *side_args("src", "moto"), *side_args("dst", "seaweed_b"))
    dead = []
    try:
        def in_dlq():
            for m in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10,
                                         VisibilityTimeout=60).get("Messages", []):
                dead.append(m["Body"])
            return len(dead) == 2
        wait_for(in_dlq, timeout=60, what="both messages in the dead-letter queue")
    finally:
        code, summary = w.stop()
    assert "this is no S3 event" in dead
    assert code == 3 and summary["unreadable"] >= 2, w.log()


def test_killed_with_kill_9_and_restarted_loses_nothing(watch, s3, sqs, bucket, queues,
                                                         side_args):
    src, dst = bucket("moto"), bucket("seaweed_b")
    sc, dc = s3("moto"), s3("seaweed_b")
    url, _ = queues(max_receive_count=5)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    sc.put_bucket_notification_configuration(Bucket=src, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    args = [f"s3://{src}", f"s3://{dst}", "--events", url, "--resync", "off",
            "--visibility-timeout", "5", *side_args("src", "moto"),
            *side_args("dst", "seaweed_b")]
    expected = {f"obj{i:02d}": pattern(MIB + i, seed=i) for i in range(24)}
    w = watch(*args)
    for key in list(expected)[:12]:
        sc.put_object(Bucket=src, Key=key, Body=expected[key])
    w.kill()  # some messages received and not yet acknowledged, some copies half done
    for key in list(expected)[12:]:
        sc.put_object(Bucket=src, Key=key, Body=expected[key])
    w = watch(*args)
    try:
        wait_for(lambda: contents(dc, dst) == expected, timeout=60, what="every object")
        wait_for(lambda: queue_empty(sqs, url), what="every message deleted")
    finally:
        code, _ = w.stop()
    assert code == 0, w.log()
    assert contents(dc, dst) == expected


def test_the_resync_catches_what_events_missed(watch, s3, sqs, bucket, queues, side_args):
    src, dst = bucket("moto"), bucket("seaweed_b")
    sc, dc = s3("moto"), s3("seaweed_b")
    url, _ = queues()
    # No notification is set up: every change below is an event that never comes.
    expected = {f"before{i}": pattern(100 + i, seed=i) for i in range(3)}
    for key, data in expected.items():
        sc.put_object(Bucket=src, Key=key, Body=data)
    dc.put_object(Bucket=dst, Key="stray", Body=b"only in the destination")
    w = watch(f"s3://{src}", f"s3://{dst}", "--events", url, "--delete",
              "--resync", "rate(2 seconds)", *side_args("src", "moto"),
              *side_args("dst", "seaweed_b"))
    try:
        wait_for(lambda: contents(dc, dst) == expected, what="the compare at start")
        expected["later"] = pattern(50, seed=7)
        sc.put_object(Bucket=src, Key="later", Body=expected["later"])
        sc.delete_object(Bucket=src, Key="before0")
        del expected["before0"]
        wait_for(lambda: contents(dc, dst) == expected, what="a resync")
    finally:
        code, summary = w.stop()
    assert code == 0, w.log()
    assert summary["caught_up"] == 4  # three copies and the stray deleted
    assert summary["missed"] == 2, summary  # one copy, one delete
    assert summary["resyncs"] >= 2
