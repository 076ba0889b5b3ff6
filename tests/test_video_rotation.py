"""The rotation transform on its own (files with rotation metadata are tested in test_video_sampling)."""

import numpy as np
import pytest

from videoassist.video.rotation import displayed_size, from_display_angle, from_rotate_tag, upright


@pytest.mark.parametrize("angle, rotation", [(0, 0), (-90, 90), (90, 270), (180, 180), (-180, 180), (-89.6, 90)])
def test_display_matrix_angle_is_counter_clockwise(angle, rotation):
    assert from_display_angle(angle) == rotation


@pytest.mark.parametrize("tag, rotation", [("90", 90), ("-90", 270), ("270", 270), ("180", 180), (None, 0), ("x", 0)])
def test_rotate_tag(tag, rotation):
    assert from_rotate_tag(tag) == rotation


def test_upright_turns_clockwise():
    stored = np.array([[1, 2, 3], [4, 5, 6]])[None, :, :, None]  # one frame, 2 rows x 3 columns
    assert upright(stored, 90)[0, :, :, 0].tolist() == [[4, 1], [5, 2], [6, 3]]
    assert upright(stored, 180)[0, :, :, 0].tolist() == [[6, 5, 4], [3, 2, 1]]
    assert upright(stored, 270)[0, :, :, 0].tolist() == [[3, 6], [2, 5], [1, 4]]
    assert upright(stored, 0) is stored


def test_displayed_size_swaps_for_quarter_turns():
    assert displayed_size(1920, 1080, 90) == (1080, 1920)
    assert displayed_size(1920, 1080, 180) == (1920, 1080)
