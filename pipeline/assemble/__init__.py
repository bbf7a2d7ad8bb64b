"""Stage 6: choose the balanced N x k set."""
