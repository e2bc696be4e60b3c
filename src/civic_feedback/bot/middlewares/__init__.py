"""What runs around every update before and after its handler."""
