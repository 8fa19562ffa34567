"""The boto3 Kinesis client the boto3 test scripts use: Riffle's endpoint, fixed test credentials, no retries."""
import boto3
from botocore.config import Config


def kinesis_client(endpoint):
    return boto3.client(
        "kinesis",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIDRIFFLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )
