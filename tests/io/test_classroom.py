"""The classroom settings model (no Qt): what a project's meta["classroom"] holds and how it survives a file."""

import json

import pytest

from nnviz.io.classroom import CONTROLS, HIDDEN, LOCKED, META_KEY, SHOWN, ClassroomSettings


def test_states_apply_only_in_the_student_view():
    cs = ClassroomSettings().with_controls({"noise": HIDDEN, "learning_rate": LOCKED})
    assert cs.state("noise") == HIDDEN and cs.effective("noise") == SHOWN      # the teacher sees everything
    on = cs.with_student_view(True)
    assert on.is_hidden("noise") and on.is_locked("learning_rate") and not on.is_hidden("optimizer")
    assert on.with_control("noise", SHOWN).effective("noise") == SHOWN
    assert on.restricted and not ClassroomSettings().restricted


def test_a_damaged_or_foreign_entry_gives_what_can_be_read():
    cs = ClassroomSettings.from_dict({"controls": {"noise": "hidden", "warp_drive": "hidden", "seed": "purple",
                                                   "stepper": "locked"}, "student_view": 1, "note": None})
    assert dict(cs.controls) == {"noise": HIDDEN, "stepper": HIDDEN}   # a panel is hidden, never "locked"
    assert cs.student_view is True and cs.note == ""
    assert ClassroomSettings.from_dict("nonsense") == ClassroomSettings()
    assert ClassroomSettings.from_meta({}) == ClassroomSettings()


def test_round_trip_through_meta_and_json():
    cs = ClassroomSettings().with_controls({"palette": HIDDEN, "batch_size": LOCKED}).with_student_view(True) \
        .with_note("Lesson 3")
    meta = cs.to_meta({"title": "XOR"})
    back = ClassroomSettings.from_meta(json.loads(json.dumps(meta)))
    assert back == cs and hash(back) == hash(cs) and meta["title"] == "XOR"
    assert META_KEY not in ClassroomSettings().to_meta(meta)                  # nothing to say: the key goes


def test_unknown_keys_and_states_are_refused_when_set():
    with pytest.raises(KeyError):
        ClassroomSettings().with_control("warp_drive", HIDDEN)
    with pytest.raises(ValueError):
        ClassroomSettings().with_control("noise", "invisible")
    assert {"dataset", "noise", "features", "palette", "optimizer", "learning_rate", "batch_size",
            "regularization", "stepper", "exports"} <= set(CONTROLS)


def test_a_project_file_keeps_them(tmp_path):
    from nnviz.io.project import load_project, save_project
    from nnviz.session.document import ProjectDocument

    project = ProjectDocument().to_project()
    ClassroomSettings().with_control("features", LOCKED).with_student_view(True).to_meta(project.meta)
    save_project(str(tmp_path / "p.nnviz"), project)
    assert ClassroomSettings.from_meta(load_project(str(tmp_path / "p.nnviz")).meta).is_locked("features")
