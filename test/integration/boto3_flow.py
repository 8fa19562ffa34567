"""Drives Riffle with boto3 (botocore's JSON 1.1 client over HTTP/1.1) and prints JSON results.

usage: python3 boto3_flow.py <endpoint> <stream>
"""
import json
import sys

from boto3_client import kinesis_client

endpoint, stream = sys.argv[1], sys.argv[2]
kinesis = kinesis_client(endpoint)
kinesis.create_stream(StreamName=stream, ShardCount=2)
kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
put = kinesis.put_records(
    StreamName=stream,
    Records=[{"PartitionKey": f"pk-{i}", "Data": f"boto-{i}".encode()} for i in range(20)],
)
seen = []
for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
    it = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
    got = kinesis.get_records(ShardIterator=it["ShardIterator"])
    seen += [r["Data"].decode() for r in got["Records"]]
    arrival = got["Records"][0]["ApproximateArrivalTimestamp"] if got["Records"] else None
try:
    kinesis.describe_stream(StreamName="no-such-stream")
    error = None
except kinesis.exceptions.ResourceNotFoundException as e:
    error = {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
print(json.dumps({
    "failed": put["FailedRecordCount"],
    "seen": sorted(seen),
    "arrivalType": type(arrival).__name__,
    "error": error,
}))
