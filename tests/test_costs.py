"""`labcloud costs` on the command line against the real test server: the bill by resource and
by service, with the total the ledger reports."""
import subprocess
import sys
import time

from labcloud import billing, config
from labcloud.costs import render


def test_render_groups_by_resource_and_service():
    data = {"time": 0, "prices": "snapshot", "total_usd": 3.5, "items": [
        {"resource": "nb", "service": "sagemaker", "usage": "notebook",
         "instance_type": "ml.t3.medium", "count": 1, "seconds": 7200.0, "usd_per_hour": 0.05,
         "cost_usd": 0.1, "status": "InService"},
        {"resource": "job", "service": "sagemaker", "usage": "training",
         "instance_type": "ml.m5.xlarge", "count": 2, "seconds": 3600.0, "usd_per_hour": 1.7,
         "cost_usd": 3.4, "status": "Completed"}]}
    text = render(data)
    lines = text.splitlines()
    by_resource = lines[lines.index("By resource:") + 3:lines.index("By resource:") + 5]
    assert by_resource[0].startswith("job ") and by_resource[1].startswith("nb ")  # costliest first
    assert "$3.4000" in by_resource[0] and "1.00" in by_resource[0]
    service = lines[lines.index("By service:") + 3]
    assert service.split() == ["sagemaker", "training", "1", "2.00", "$3.4000"]
    assert lines[-1] == "Total: $3.5000"
    assert render({**data, "items": [], "total_usd": 0}).endswith("Total: $0.0000")


def test_costs_command_prints_the_servers_bill(cloud, aws, name):
    sm = aws("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t3.medium",
                                RoleArn=config.EXECUTION_ROLE_ARN)
    deadline = time.monotonic() + 30
    while sm.describe_notebook_instance(NotebookInstanceName=name)[
            "NotebookInstanceStatus"] != "InService":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    sm.stop_notebook_instance(NotebookInstanceName=name)  # frozen: the line cannot change
    before = billing.fetch(cloud.url)["total_usd"]
    out = subprocess.run([sys.executable, "-m", "labcloud", "--home", str(cloud.home), "costs"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert "By resource:" in out and "By service:" in out
    row = next(line for line in out.splitlines() if line.startswith(name + " "))
    assert row.split()[1:4] == ["sagemaker", "notebook", "ml.t3.medium"]
    total = float(out.strip().splitlines()[-1].removeprefix("Total: $").replace(",", ""))
    after = billing.fetch(cloud.url)["total_usd"]
    assert before - 0.00005 <= total <= after + 0.00005  # the ledger's total, to 4 decimals
