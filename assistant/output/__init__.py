"""Adapters that make the session heard and seen: the streaming mixer, the assistant's voice output, the
terminal view and the timeline file. The plans they play come from the pure core in assistant/session/."""
