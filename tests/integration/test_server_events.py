"""Server tasks with an events trigger: a run that applies S3 event notifications
from moto's SQS until the task is stopped, resumed after a server restart."""
import json
import uuid

import boto3
import pytest

from conftest import pattern
from test_server import ADMIN_PASSWORD, Api, FerryServer, endpoint, objects, store_credential, \
    wait_for


@pytest.fixture
def server(ferry_bin, tmp_path):
    srv = FerryServer(ferry_bin, str(tmp_path / "server")).start()
    yield srv
    srv.stop()


def test_an_events_task_replicates_until_stopped_and_resumes_after_a_restart(
        server, s3, bucket, testbed):
    admin = Api(server).login("admin", ADMIN_PASSWORD)
    m = testbed["moto"]
    sqs = boto3.client("sqs", endpoint_url=m["endpoint"], region_name=m["region"],
                       aws_access_key_id=m["access_key"], aws_secret_access_key=m["secret_key"])
    src, dst = bucket("moto"), bucket("seaweed_b")
    sc, dc = s3("moto"), s3("seaweed_b")
    queue = sqs.create_queue(QueueName=f"t-{uuid.uuid4().hex[:10]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    sc.put_bucket_notification_configuration(Bucket=src, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*",
                                                              "s3:ObjectRemoved:*"]}]})
    store_credential(admin, testbed, "moto-keys", "moto")
    store_credential(admin, testbed, "b-keys", "seaweed_b")

    # A trigger with a schedule other than once is refused: the run lasts until stopped.
    spec = {"name": "events", "source": f"s3://{src}", "destination": f"s3://{dst}/mirror",
            "source_endpoint": endpoint(testbed, "moto", "moto-keys"),
            "destination_endpoint": endpoint(testbed, "seaweed_b", "b-keys"),
            "options": {"delete": True}, "trigger": {"events": queue, "resync": "off"}}
    r = admin.call("POST", "/api/v1/tasks", dict(spec, schedule="rate(1 hour)"))
    assert r.status_code == 400 and "schedule must be once" in r.json()["error"]["message"]
    # The queue is called with keys bound to its endpoint, as a side's are.
    r = admin.call("POST", "/api/v1/tasks", dict(spec, trigger={
        "events": queue, "resync": "off", "queue_credential": "b-keys"}))
    assert r.status_code == 403 and "is bound to" in r.text, r.text
    task = admin.ok("POST", "/api/v1/tasks", spec, status=201)
    assert admin.ok("GET", f"/api/v1/tasks/{task['id']}")["trigger"]["events"] == queue
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    admin.wait_task(task["id"], ["Running"])

    expected = {}
    for i in range(5):
        expected[f"mirror/k{i}"] = pattern(200 + i, seed=i)
        sc.put_object(Bucket=src, Key=f"k{i}", Body=expected[f"mirror/k{i}"])
    wait_for("the events applied", lambda: objects(dc, dst) == expected, timeout=30)

    # A restart resumes the same run; events sent meanwhile are applied.
    server.stop()
    sc.put_object(Bucket=src, Key="while-down", Body=b"later")
    sc.delete_object(Bucket=src, Key="k0")
    expected["mirror/while-down"] = b"later"
    del expected["mirror/k0"]
    server.start()
    admin = Api(server).login("admin", ADMIN_PASSWORD)
    wait_for("the events sent while the server was down",
             lambda: objects(dc, dst) == expected, timeout=30)
    runs = admin.runs(task["id"])
    assert len(runs) == 1  # the same run, resumed

    admin.ok("POST", f"/api/v1/tasks/{task['id']}/stop")
    stopped = admin.wait_task(task["id"], ["Stopped"])
    assert stopped["state"] == "Stopped"
    logs = admin.ok("GET", f"/api/v1/tasks/{task['id']}/logs")["logs"]
    assert any("watching" in entry["message"] for entry in logs)
    sqs.delete_queue(QueueUrl=queue)
