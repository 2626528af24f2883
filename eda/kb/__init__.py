"""Component knowledge base: library parts with pinouts, electrical pin types, levels and limits.

    from eda.kb import load_library
    lib = load_library()                 # $EDA_DATA or ../shared/data + eda/kb/parts/*.json
    lib.get("arduino-uno").pin("D13")    # KbPin(type='gpio', voltage=5.0, max_current_ma=20, ...)
    lib.resolve("ESP32-S3")              # Resolution(part=esp32-devkit-v1, method='family', note=...)
    lib.search("distance measurement", k=3)
"""
from __future__ import annotations

from .library import (PIN_TYPES, POWER_TYPES, KbError, KbPart, KbPin, Library, default_data_root,
                      load_library)
from .resolve import Resolution

__all__ = ["load_library", "Library", "KbPart", "KbPin", "KbError", "Resolution", "PIN_TYPES",
           "POWER_TYPES", "default_data_root"]
