"""`videoassist app`: start the Streamlit upload-and-ask app (app/streamlit_app.py) with safe server flags."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from videoassist.cli._common import add_device_argument, add_precision_argument, positive


def register(subparsers):
    parser = subparsers.add_parser("app", help="start the upload-and-ask web app (Streamlit)")
    parser.add_argument("--model", default="demo", help="demo, a checkpoint folder or a Hugging Face hub id")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every interface)")
    parser.add_argument("--port", type=port_number, default=8501)
    parser.add_argument("--max-upload-mb", type=positive(int), default=200, help="largest upload accepted, in MB")
    add_device_argument(parser)
    add_precision_argument(parser)
    parser.set_defaults(func=run)


def port_number(text: str) -> int:
    value = positive(int)(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be at most 65535, got {text}")
    return value


def streamlit_command(model: str, host: str, port: int, max_upload_mb: int, precision: str,
                      device: str | None = None) -> list[str]:
    import app

    script = Path(app.__file__).with_name("streamlit_app.py")
    if Path(model).exists():  # the app may run from another folder: pass a checkpoint by its full path
        model = str(Path(model).resolve())
    return [
        sys.executable, "-m", "streamlit", "run", str(script),
        # Without these Streamlit listens on every interface, looks up the public IP and sends usage statistics.
        "--server.headless=true",
        f"--server.address={host}",
        f"--server.port={port}",
        f"--server.maxUploadSize={max_upload_mb}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        "--client.toolbarMode=viewer",  # no developer menu (its Deploy button points at Streamlit's cloud)
        "--",
        "--model", model,
        "--max-upload-mb", str(max_upload_mb),
        "--precision", precision,
        *(["--device", device] if device else []),
    ]


def run(args):
    from videoassist.checkpoints.check import check_model

    check_model(args.model)  # a bad --model is one line here, not an error page once the server is up
    command = streamlit_command(args.model, args.host, args.port, args.max_upload_mb, args.precision, args.device)
    print(f"videoassist app: http://{args.host}:{args.port} (model {args.model}); Ctrl-C stops it", file=sys.stderr)
    sys.stderr.flush()
    sys.stdout.flush()
    # Become the Streamlit server (no parent left behind): signals and the exit status are the server's own.
    os.execv(sys.executable, command)
