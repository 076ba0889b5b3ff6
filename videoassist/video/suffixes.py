"""The file suffixes read as media: the one list of video and image types (folders and globs of a caption batch,
the app's uploads and sample clips, still images read as one-frame videos)."""

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".gif", ".mpg", ".mpeg", ".ts", ".wmv", ".flv", ".3gp"}
)
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp"})  # read with Pillow (image.py)
MEDIA_SUFFIXES = VIDEO_SUFFIXES | IMAGE_SUFFIXES
