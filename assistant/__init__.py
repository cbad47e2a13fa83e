"""Pause: an offline, hands-free, voice-guided regulation assistant for couples."""

import os

# The offline promise, kept in one place, before any dependency is imported (every module of the package
# imports this file first). onnxruntime 1.32 and later keep telemetry on by default on Linux: importing it and
# creating a session writes a device id and a database under ~/.cache/Microsoft/DeveloperTools, a `.ses` file
# in the temporary folder, and `listen` opened internet sockets; only this variable, set before onnxruntime is
# imported, stops all of it (`onnxruntime.disable_telemetry_events()` after the import does not). The
# Hugging Face variables keep faster-whisper's loader from looking for a model online. Forced, not defaulted:
# nothing this program runs may reach the network, whatever the environment says.
OFFLINE_ENVIRONMENT = {
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}
os.environ.update(OFFLINE_ENVIRONMENT)

__version__ = "0.1.0"
