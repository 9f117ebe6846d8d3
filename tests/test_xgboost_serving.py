"""The XGBoost image's inference server run for real: models trained by the image itself, then
`python -m labcloud.images.xgboost serve` on a free loopback port, spoken to over HTTP."""
from __future__ import annotations

import http.client
import json
import os
import pickle
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from labcloud.images.registry import image_uri, resolve


def _table(rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 5))
    return np.column_stack([3 * x[:, 0] - 2 * x[:, 1] + x[:, 2] * x[:, 3], x])


def _csv(table: np.ndarray) -> str:
    return "\n".join(",".join(f"{v:.6f}" for v in row) for row in table) + "\n"


def train(root: Path, version: str, hyper: dict) -> Path:
    """Train with the image itself; returns the container's opt/ml."""
    opt_ml = root / "opt" / "ml"
    for sub in ("input/config", "input/data/train", "input/data/validation", "model"):
        (opt_ml / sub).mkdir(parents=True, exist_ok=True)
    (opt_ml / "input/data/train/train.csv").write_text(_csv(_table(300, 1)))
    (opt_ml / "input/data/validation/validation.csv").write_text(_csv(_table(100, 2)))
    (opt_ml / "input/config/hyperparameters.json").write_text(json.dumps(hyper))
    channel = {"ContentType": "text/csv", "TrainingInputMode": "File"}
    (opt_ml / "input/config/inputdataconfig.json").write_text(
        json.dumps({"train": channel, "validation": channel}))
    image = resolve(image_uri(version, "us-east-1"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABCLOUD_")}
    env.update(image.env, LABCLOUD_OPT_ML=str(opt_ml))
    done = subprocess.run([*image.command, "train"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, (opt_ml / "output/failure").read_text()
    return opt_ml


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, opt_ml: Path, version: str, **extra_env: str):
        self.port = free_port()
        image = resolve(image_uri(version, "us-east-1"))
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("LABCLOUD_", "SAGEMAKER_"))}
        env.update(image.env, LABCLOUD_OPT_ML=str(opt_ml), SAGEMAKER_BIND_TO_PORT=str(self.port),
                   **extra_env)
        self.proc = subprocess.Popen([*image.command, "serve"], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.request("GET", "/ping")[0] == 200:
                    break
            except OSError:
                pass
            assert self.proc.poll() is None, self.proc.stdout.read()
            assert time.monotonic() < deadline, "the server did not answer /ping in 30 s"
            time.sleep(0.05)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def request(self, method, path, body=None, headers=None, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read(), response.getheader("content-type")
        finally:
            if own:
                conn.close()

    def invoke(self, body, content_type="text/csv", accept=None):
        headers = {"Content-Type": content_type}
        if accept:
            headers["Accept"] = accept
        return self.request("POST", "/invocations", body.encode() if isinstance(body, str) else body,
                            headers, conn=self.conn)

    def stop(self) -> str:
        self.conn.close()
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=15)
        return out


@pytest.fixture(scope="module")
def current_model(tmp_path_factory):
    return train(tmp_path_factory.mktemp("m17"), "1.7-1",
                 {"num_round": "20", "max_depth": "3", "objective": "reg:squarederror"})


@pytest.fixture(scope="module")
def current(current_model):
    server = Server(current_model, "1.7-1")
    yield server
    server.stop()


def booster_of(opt_ml: Path) -> xgb.Booster:
    booster = xgb.Booster()
    with pytest.warns(UserWarning):  # xgboost guesses the format of an extension-less file
        booster.load_model(str(opt_ml / "model" / "xgboost-model"))
    return booster


ROWS = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [0.0, 0.5, -1.0, 2.0, 0.25]], dtype=np.float32)


def expected(opt_ml: Path, rows=ROWS) -> np.ndarray:
    return booster_of(opt_ml).predict(xgb.DMatrix(rows))


def test_ping_answers_200_with_an_empty_body(current):
    assert current.request("GET", "/ping")[:2] == (200, b"")


def test_the_server_listens_on_loopback_only(current):
    hex_port = f"{current.port:04X}"
    with open("/proc/net/tcp") as f:
        listening = [line.split()[1] for line in f.readlines()[1:] if line.split()[3] == "0A"]
    assert f"0100007F:{hex_port}" in listening
    assert f"00000000:{hex_port}" not in listening


def test_csv_one_value_per_line_on_current_images(current, current_model):
    status, body, content_type = current.invoke("1,2,3,4,5\n0,0.5,-1,2,0.25")
    assert status == 200 and content_type == "text/csv; charset=utf-8"
    lines = body.decode().split("\n")
    assert lines[-1] == "" and len(lines) == 3
    np.testing.assert_allclose([float(v) for v in lines[:2]], expected(current_model), rtol=1e-6)
    status, body, _ = current.invoke("1,2,3,4,5")
    assert status == 200 and body.decode().count("\n") == 1


def test_json_and_jsonlines_accept(current, current_model):
    want = expected(current_model)
    status, body, content_type = current.invoke("1,2,3,4,5\n0,0.5,-1,2,0.25", accept="application/json")
    assert status == 200 and content_type == "application/json"
    scores = json.loads(body)["predictions"]
    assert list(scores[0]) == ["score"]
    np.testing.assert_allclose([s["score"] for s in scores], want, rtol=1e-6)
    status, body, content_type = current.invoke("1,2,3,4,5\n0,0.5,-1,2,0.25",
                                                accept="application/jsonlines")
    assert status == 200 and content_type == "application/jsonlines"
    np.testing.assert_allclose([json.loads(l)["score"] for l in body.decode().splitlines()],
                               want, rtol=1e-6)


@pytest.mark.parametrize("content_type, body", [
    ("application/json", json.dumps({"instances": ROWS.tolist()})),
    ("application/json", json.dumps({"instances": [{"features": r} for r in ROWS.tolist()]})),
    ("application/json", json.dumps(ROWS.tolist())),
    ("application/jsonlines", "\n".join(json.dumps(r) for r in ROWS.tolist())),
    ("application/jsonlines", "\n".join(json.dumps({"features": r}) for r in ROWS.tolist())),
    ("text/libsvm", "0:1 1:2 2:3 3:4 4:5\n0:0 1:0.5 2:-1 3:2 4:0.25"),
    ("text/x-libsvm", "0 0:1 1:2 2:3 3:4 4:5\n0 0:0 1:0.5 2:-1 3:2 4:0.25"),
    ("text/csv; charset=utf-8", "1,2,3,4,5\n0,0.5,-1,2,0.25"),
])
def test_input_formats(current, current_model, content_type, body):
    status, answer, _ = current.invoke(body, content_type=content_type)
    assert status == 200, answer
    np.testing.assert_allclose([float(v) for v in answer.decode().split()],
                               expected(current_model), rtol=1e-6)


def test_empty_body_is_204(current):
    assert current.invoke("")[:2] == (204, b"")


def test_bad_csv_is_415_with_the_images_message(current):
    status, body, _ = current.invoke("1,2,a,4,5")
    assert status == 415
    assert body.decode() == ("Loading csv data failed with Exception, please ensure data is in "
                             "csv format:\n <class 'ValueError'>\n could not convert string to "
                             "float: 'a'")


def test_unsupported_content_type_is_415(current):
    status, body, _ = current.invoke("<x/>", content_type="application/xml")
    assert (status, body) == (415, b"Content type application/xml is not supported")


def test_wrong_feature_count_is_400(current):
    status, body, _ = current.invoke("1,2,3,4,5,6,7")
    assert status == 400
    assert body.decode() == ("Unable to evaluate payload provided: Feature size of csv inference "
                             "data 7 is not consistent with feature size of trained model 5")
    assert current.invoke("1,2,3,4")[0] == 200  # one feature short is accepted, as by the image


def test_unsupported_accept_is_406(current):
    status, body, _ = current.invoke("1,2,3,4,5", accept="text/html")
    assert status == 406
    assert body.decode() == (
        "Accept type text/html is not supported. Please use supported accept types: "
        "['application/json', 'application/jsonlines', 'application/x-recordio-protobuf', "
        "'text/csv'].")


def test_execution_parameters_and_unknown_routes(current):
    status, body, content_type = current.request("GET", "/execution-parameters")
    assert status == 200 and content_type == "application/json"
    assert json.loads(body) == {"MaxConcurrentTransforms": os.cpu_count(),
                                "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 6}
    assert current.request("GET", "/invocations")[0] == 405
    assert current.request("GET", "/nothing")[0] == 404


def test_batch_mode_and_default_accept(current_model):
    batch = Server(current_model, "1.7-1", SAGEMAKER_BATCH="true")
    try:
        status, body, _ = batch.invoke("1,2,3,4,5\n0,0.5,-1,2,0.25")
        values = body.decode().split("\n")
        assert status == 200 and values[-1] == "" and len(values) == 3
        np.testing.assert_allclose([float(v) for v in values[:2]], expected(current_model),
                                   rtol=1e-6)
    finally:
        batch.stop()
    json_default = Server(current_model, "1.7-1",
                          SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT="application/json")
    try:
        status, body, content_type = json_default.invoke("1,2,3,4,5", accept="*/*")
        assert status == 200 and content_type == "application/json"
        assert len(json.loads(body)["predictions"]) == 1
    finally:
        json_default.stop()


def test_one_start_line_like_the_image(current_model):
    server = Server(current_model, "1.7-1")
    pid = server.proc.pid
    output = server.stop()
    assert output.splitlines()[0].endswith(f":INFO] Model loaded successfully for worker : {pid}")
    assert len([l for l in output.splitlines() if l.strip()]) == 1


def test_pickled_models_answer_one_comma_joined_line(tmp_path):
    opt_ml = train(tmp_path, "1.2-1", {"num_round": "10", "objective": "reg:squarederror"})
    server = Server(opt_ml, "1.2-1")
    try:
        status, body, content_type = server.invoke("1,2,3,4,5\n0,0.5,-1,2,0.25",
                                                   accept="application/json")
        assert status == 200 and content_type == "text/csv; charset=utf-8"
        with open(opt_ml / "model" / "xgboost-model", "rb") as f:
            want = pickle.load(f).predict(xgb.DMatrix(ROWS))
        assert body.decode() == ",".join(map(str, want.tolist()))
    finally:
        server.stop()


def test_legacy_early_stopped_model_predicts_with_its_best_iteration(tmp_path):
    opt_ml = train(tmp_path, "1", {"num_round": "300", "eta": "0.3", "max_depth": "3",
                                   "objective": "reg:squarederror",
                                   "early_stopping_rounds": "3"})
    with open(opt_ml / "model" / "xgboost-model", "rb") as f:
        booster = pickle.load(f)
    best = int(booster.attr("best_iteration"))
    assert booster.num_boosted_rounds() == best + 4
    server = Server(opt_ml, "1")
    try:
        status, body, _ = server.invoke("1,2,3,4,5")
        assert status == 200
        want = booster.predict(xgb.DMatrix(ROWS[:1]), iteration_range=(0, best + 1))
        assert float(body) == pytest.approx(float(want[0]), rel=1e-6)
        every_tree = booster.predict(xgb.DMatrix(ROWS[:1]))
        assert float(body) != pytest.approx(float(every_tree[0]), rel=1e-9)
    finally:
        server.stop()


def test_a_native_model_served_by_an_older_image(current_model):
    server = Server(current_model, "1.0-1")  # model.tar.gz from 1.7-1, hosted with 1.0-1
    try:
        status, body, _ = server.invoke("1,2,3,4,5\n0,0.5,-1,2,0.25")
        assert status == 200 and body.count(b",") == 1 and b"\n" not in body
    finally:
        server.stop()
