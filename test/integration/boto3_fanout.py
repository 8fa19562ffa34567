"""Enhanced fan-out with boto3 (botocore's event stream parser over HTTP/1.1); prints JSON results.

usage: python3 boto3_fanout.py <endpoint> <stream>
"""
import json
import sys
import time

from boto3_client import kinesis_client

endpoint, stream = sys.argv[1], sys.argv[2]
kinesis = kinesis_client(endpoint)
kinesis.create_stream(StreamName=stream, ShardCount=1)
kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
stream_arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
consumer = kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName="boto-efo")["Consumer"]
for _ in range(50):
    if kinesis.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])["ConsumerDescription"]["ConsumerStatus"] == "ACTIVE":
        break
    time.sleep(0.1)
shard_id = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
put = kinesis.put_records(StreamName=stream, Records=[{"PartitionKey": f"pk-{i}", "Data": f"efo-{i}".encode()} for i in range(30)])
put_seqs = [r["SequenceNumber"] for r in put["Records"]]

sub = kinesis.subscribe_to_shard(ConsumerARN=consumer["ConsumerARN"], ShardId=shard_id, StartingPosition={"Type": "TRIM_HORIZON"})
seen, seqs, continuation, arrival_type = [], [], None, None
for event in sub["EventStream"]:
    body = event["SubscribeToShardEvent"]
    for r in body["Records"]:
        seen.append(r["Data"].decode())
        seqs.append(r["SequenceNumber"])
        arrival_type = type(r["ApproximateArrivalTimestamp"]).__name__
    continuation = body["ContinuationSequenceNumber"]
    if len(seen) >= 30:
        break
sub["EventStream"].close()

errors = {}
try:  # a second subscription within 5 seconds
    kinesis.subscribe_to_shard(ConsumerARN=consumer["ConsumerARN"], ShardId=shard_id, StartingPosition={"Type": "LATEST"})
except kinesis.exceptions.ResourceInUseException as e:
    errors["again"] = e.response["Error"]["Code"]
try:
    ghost = consumer["ConsumerARN"].replace("/consumer/boto-efo:", "/consumer/ghost:")
    kinesis.subscribe_to_shard(ConsumerARN=ghost, ShardId=shard_id, StartingPosition={"Type": "LATEST"})
except kinesis.exceptions.ResourceNotFoundException as e:
    errors["unknown"] = e.response["Error"]["Code"]
try:
    kinesis.subscribe_to_shard(ConsumerARN=consumer["ConsumerARN"], ShardId=shard_id, StartingPosition={"Type": "AT_SEQUENCE_NUMBER"})
except kinesis.exceptions.InvalidArgumentException as e:
    errors["noSequence"] = e.response["Error"]["Code"]
try:  # not an ARN at all: rejected by validation, as AWS does
    kinesis.subscribe_to_shard(ConsumerARN=consumer["ConsumerARN"] + "x", ShardId=shard_id, StartingPosition={"Type": "LATEST"})
except kinesis.exceptions.ClientError as e:
    errors["badArn"] = e.response["Error"]["Code"]

print(json.dumps({
    "seen": seen,
    "inOrder": seqs == put_seqs,
    "continuationIsLast": continuation == put_seqs[-1],
    "arrivalType": arrival_type,
    "errors": errors,
}))
