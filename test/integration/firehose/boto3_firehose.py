"""Firehose through boto3, for test/integration/firehose/cli-boto3.test.ts.

usage: boto3_firehose.py <endpoint> <delivery stream name> <bucket> <records.json> <phase>

records.json: {"first": "<line for PutRecord>", "batch": ["<line>", ...]} (text, put as UTF-8).
phase "put": creates the delivery stream (DirectPut, ExtendedS3, UNCOMPRESSED, SizeInMBs 1,
IntervalInSeconds 60: the minimum of boto3 1.26's 2022 model), describes and lists it, puts `first`
with PutRecord and `batch` with PutRecordBatch, and tries two missing streams.
phase "delete": deletes it, lists and describes it again.
Prints one JSON object of what boto3 returned (timestamps as ISO 8601 with their offset).
"""
import datetime
import json
import sys

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, name, bucket, records_path, phase = sys.argv[1:6]
client = boto3.client(
    "firehose",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="x",
    aws_secret_access_key="x",
    config=Config(retries={"max_attempts": 1, "mode": "standard"}),
)


def plain(value):
    """The response without ResponseMetadata, datetimes as ISO strings (and their type noted)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat(), "aware": value.tzinfo is not None}
    return value


def error(call):
    try:
        call()
    except ClientError as e:
        return {
            "code": e.response["Error"]["Code"],
            "message": e.response["Error"]["Message"],
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
            "modeled": type(e).__name__,
        }
    return None


out = {"botocore": botocore.__version__}
if phase == "put":
    with open(records_path, encoding="utf-8") as f:
        records = json.load(f)
    out["created"] = plain(
        client.create_delivery_stream(
            DeliveryStreamName=name,
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::000000000000:role/firehose-role",
                "BucketARN": f"arn:aws:s3:::{bucket}",
                "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
                "CompressionFormat": "UNCOMPRESSED",
                "ProcessingConfiguration": {"Enabled": True, "Processors": [{"Type": "AppendDelimiterToRecord"}]},
            },
        )
    )
    out["described"] = plain(client.describe_delivery_stream(DeliveryStreamName=name))
    out["listed"] = plain(client.list_delivery_streams())
    out["put"] = plain(client.put_record(DeliveryStreamName=name, Record={"Data": records["first"].encode()}))
    out["batch"] = plain(
        client.put_record_batch(DeliveryStreamName=name, Records=[{"Data": r.encode()} for r in records["batch"]])
    )
    out["describeMissing"] = error(lambda: client.describe_delivery_stream(DeliveryStreamName="no-such-stream"))
    out["putMissing"] = error(lambda: client.put_record(DeliveryStreamName="no-such-stream", Record={"Data": b"x"}))
elif phase == "delete":
    out["deleted"] = plain(client.delete_delivery_stream(DeliveryStreamName=name))
    out["listed"] = plain(client.list_delivery_streams())
    out["describeDeleted"] = error(lambda: client.describe_delivery_stream(DeliveryStreamName=name))
else:
    raise SystemExit(f"unknown phase {phase}")
print(json.dumps(out))
