"""The signed-in side: representatives log progress, editors review it."""
