"""`template compare`: the nine figures on hand-built templates whose answers are known."""

from __future__ import annotations

import json

import pytest

from tools.template.compare import compare_templates, edit_distance, spearman
from tools.template.model import Audio, Box, Overlay, Slot, Source, Template


def make_template(durations, scales=None, transitions=None, labels=None, overlays=(), cuts_on_beat=None,
                  name="t") -> Template:
    n = len(durations)
    scales = scales or ["medium"] * n
    transitions = transitions or ["cut"] * n
    labels = labels or ["recommend"] * n
    slots, t = [], 0.0
    for i, d in enumerate(durations):
        slots.append(Slot(index=i, start=t, duration=d, labels=[labels[i]], scale=scales[i], motion="static",
                          transition_in="cut" if i == 0 else transitions[i],
                          transition_seconds=0.0 if transitions[i] == "cut" else 0.4))
        t += d
    return Template(name=name, source=Source(path="ref.mp4", duration=t, width=1080, height=1920, aspect="9:16",
                                             fps=30),
                    slots=slots, overlays=list(overlays), storyline=list(labels),
                    audio=Audio(music=cuts_on_beat is not None, cuts_on_beat=cuts_on_beat, voice="voiceover"))


def overlay(role, x, y, w, h) -> Overlay:
    return Overlay(text=role, role=role, box=Box(x=x, y=y, w=w, h=h), size=0.04, color="#ffffff", start=0, end=1)


REF = make_template([1.5, 3.0, 2.0, 4.0, 2.5, 2.0],
                    scales=["close-up", "medium", "wide", "close-up", "medium", "close-up"],
                    transitions=["cut", "cut", "dissolve", "slide", "cut", "fade"],
                    labels=["pain_point", "recommend", "efficacy", "material", "quality", "purchase"],
                    overlays=[overlay("title", 0.1, 0.05, 0.8, 0.08), overlay("price", 0.3, 0.6, 0.4, 0.07)],
                    cuts_on_beat=0.8)


def test_an_ad_compared_with_itself_agrees_on_everything():
    got = compare_templates(REF, REF)
    assert list(got) == ["shots_ref", "shots_out", "rhythm_spearman", "scale_transition_mse", "transition_agreement",
                         "cuts_on_beat_ref", "cuts_on_beat_out", "label_edit_distance", "overlay_iou"]
    assert got == {"shots_ref": 6, "shots_out": 6, "rhythm_spearman": 1.0, "scale_transition_mse": 0.0,
                   "transition_agreement": 1.0, "cuts_on_beat_ref": 0.8, "cuts_on_beat_out": 0.8,
                   "label_edit_distance": 0, "overlay_iou": 1.0}
    json.dumps(got)  # JSON-ready


def test_the_same_rhythm_at_twice_the_length_keeps_rhythm_and_transitions():
    longer = make_template([d * 2 for d in (1.5, 3.0, 2.0, 4.0, 2.5, 2.0)],
                           transitions=["cut", "cut", "dissolve", "slide", "cut", "fade"])
    got = compare_templates(REF, longer)
    assert got["rhythm_spearman"] == 1.0 and got["transition_agreement"] == 1.0


def test_a_reversed_rhythm_correlates_negatively():
    ref = make_template([1.0, 2.0, 3.0, 4.0])
    assert compare_templates(ref, make_template([4.0, 3.0, 2.0, 1.0]))["rhythm_spearman"] < 0
    assert compare_templates(ref, make_template([1.0, 2.0, 3.0, 4.0]))["rhythm_spearman"] == 1.0


def test_an_anti_phase_rhythm_is_lower_than_the_same_one():
    ref = make_template([1.0, 3.0] * 3)
    same = compare_templates(ref, make_template([1.0, 3.0] * 3))["rhythm_spearman"]
    anti = compare_templates(ref, make_template([3.0, 1.0] * 3))["rhythm_spearman"]
    assert same == 1.0 and anti < 0


def test_a_frame_of_jitter_in_an_even_rhythm_is_still_even():
    even = make_template([2.5] * 6)
    jitter = make_template([2.5, 2.533, 2.467, 2.5, 2.533, 2.467])
    uneven = make_template([1.0, 4.0, 1.0, 4.0, 1.0, 4.0])
    assert compare_templates(even, jitter)["rhythm_spearman"] == 1.0
    assert compare_templates(even, uneven)["rhythm_spearman"] == 0.0


def test_spearman_is_one_for_the_same_order_and_minus_one_for_the_reverse():
    assert spearman([0.1, 0.5, 0.2, 0.9], [1, 7, 3, 8]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4, 5], [9, 7, 5, 3, 1]) == pytest.approx(-1.0)


def test_scale_transition_matrices_differ_by_their_mean_squared_difference():
    closeups = make_template([2.0, 2.0], scales=["close-up", "close-up"])
    wides = make_template([2.0, 2.0], scales=["wide", "wide"])
    # one transition each, in different cells: two cells differ by 1, of nine
    assert compare_templates(closeups, wides)["scale_transition_mse"] == pytest.approx(2 / 9, abs=1e-6)
    assert compare_templates(closeups, closeups)["scale_transition_mse"] == 0.0


def test_transition_agreement_counts_boundaries_of_the_same_kind():
    one_off = make_template([1.5, 3.0, 2.0, 4.0, 2.5, 2.0], transitions=["cut", "cut", "dissolve", "slide", "cut",
                                                                         "cut"])
    assert compare_templates(REF, one_off)["transition_agreement"] == pytest.approx(4 / 5)
    # two slots merged: one of the five boundaries is missing, the other four agree
    merged = make_template([4.5, 2.0, 4.0, 2.5, 2.0], transitions=["cut", "dissolve", "slide", "cut", "fade"])
    assert compare_templates(REF, merged)["transition_agreement"] == pytest.approx(4 / 5)
    assert compare_templates(make_template([15.0]), make_template([15.0]))["transition_agreement"] == 1.0


def test_label_edit_distance_counts_changes_of_the_storyline():
    swapped = make_template([1.5, 3.0, 2.0, 4.0, 2.5, 2.0],
                            labels=["pain_point", "recommend", "efficacy", "trial", "quality", "purchase"])
    assert compare_templates(REF, swapped)["label_edit_distance"] == 1
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance([], ["a", "b"]) == 2


def test_overlay_iou_matches_boxes_by_role():
    half = [overlay("price", 0.0, 0.0, 0.5, 0.5)]
    shifted = [overlay("price", 0.25, 0.0, 0.5, 0.5)]  # overlaps a quarter by a half: 0.125 / 0.375
    ref = make_template([2.0, 2.0], overlays=half)
    assert compare_templates(ref, make_template([2.0, 2.0], overlays=shifted))["overlay_iou"] == pytest.approx(1 / 3,
                                                                                                            abs=1e-4)
    # a box of another role is no match: price unmatched (0), title unmatched (0)
    other = make_template([2.0, 2.0], overlays=[overlay("title", 0.0, 0.0, 0.5, 0.5)])
    assert compare_templates(ref, other)["overlay_iou"] == 0.0
    # the order they are listed in does not matter
    two = [overlay("price", 0.0, 0.0, 0.5, 0.5), overlay("price", 0.5, 0.5, 0.5, 0.5)]
    assert compare_templates(make_template([2.0, 2.0], overlays=two),
                             make_template([2.0, 2.0], overlays=two[::-1]))["overlay_iou"] == 1.0
    assert compare_templates(make_template([2.0, 2.0]), make_template([2.0, 2.0]))["overlay_iou"] == 1.0
