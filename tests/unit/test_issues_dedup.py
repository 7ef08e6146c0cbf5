"""Duplicate matching: same category and building, compound, close by, or similar text."""

from services.issues.domain.dedup import (
    Report,
    distance_metres,
    match,
    rank,
    text_similarity,
)

NEW = Report("drainage", "3号楼下水道堵了", building="B3", compound="C1")


def test_the_same_building_matches_first():
    found = match(NEW, "i1", Report("drainage", "完全不同的描述", building="B3", compound="C1"))
    assert found.reason == "same-building"


def test_the_same_compound_matches_when_the_building_differs():
    found = match(NEW, "i1", Report("drainage", "别的", building="B4", compound="C1"))
    assert found.reason == "same-compound"


def test_another_category_never_matches():
    assert match(NEW, "i1", Report("heating", "3号楼下水道堵了", building="B3")) is None


def test_reports_within_150_metres_match_as_nearby():
    here = Report("drainage", "a", latitude=40.8100, longitude=111.6800)
    near = Report("drainage", "b", latitude=40.8109, longitude=111.6800)  # about 100 m north
    far = Report("drainage", "c", latitude=40.8200, longitude=111.6800)  # about 1.1 km
    assert match(here, "near", near).reason == "nearby"
    assert match(here, "far", far) is None


def test_the_haversine_distance_of_one_thousandth_of_a_degree_of_latitude_is_111_metres():
    assert round(distance_metres(40.0, 111.0, 40.001, 111.0)) == 111


def test_chinese_text_is_compared_as_character_bigrams():
    assert text_similarity("下水道堵了", "下水道堵了") == 1.0
    # bigrams 下水 水道 道堵 堵了 vs 下水 水道 道堵 堵塞: 3 shared of 5 distinct
    assert text_similarity("下水道堵了", "下水道堵塞") == 0.6
    assert text_similarity("暖气不热", "下水道堵了") == 0.0


def test_similar_text_matches_without_any_place():
    found = match(Report("drainage", "下水道堵了"), "i1", Report("drainage", "下水道堵塞"))
    assert found.reason == "similar-text" and found.score == 0.42  # 0.7 × 0.6


def test_rank_puts_the_strongest_reason_first():
    candidates = {
        "text": Report("drainage", "3号楼下水道堵了"),
        "compound": Report("drainage", "x", building="B9", compound="C1"),
        "building": Report("drainage", "y", building="B3"),
    }
    assert [m.issue_id for m in rank(NEW, candidates)] == ["building", "compound", "text"]
