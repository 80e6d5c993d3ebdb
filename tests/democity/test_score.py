"""The demo's suggestions carry the matcher's features and scores, as of the day they were asked."""

from __future__ import annotations

from collections import Counter
from statistics import mean

from democity import DemoCity
from graph.model import CollaborationStatus, SuggestionStatus
from matching.features import FEATURE_NAMES


def test_features_are_the_matchers_and_scores_are_relative_to_the_best(city: DemoCity) -> None:
    for s in city.suggestions:
        assert tuple(s.features) == FEATURE_NAMES, s.id
        assert 0.0 <= s.score <= 1.0
    # the best candidate of some queries was the one suggested (score 1), not of all
    assert 0 < sum(s.score == 1.0 for s in city.suggestions) < len(city.suggestions)


def test_accepted_suggestions_score_above_the_rejected_ones(city: DemoCity) -> None:
    """Rejected suggestions were drawn from far districts: the matcher ranks them lower."""
    by_status: dict[SuggestionStatus, list[float]] = {}
    for s in city.suggestions:
        by_status.setdefault(s.status, []).append(s.score)
    assert mean(by_status[SuggestionStatus.ACCEPTED]) > mean(by_status[SuggestionStatus.REJECTED])
    rejected = [s for s in city.suggestions if s.status == SuggestionStatus.REJECTED]
    assert all(s.features["same_area"] == 0 for s in rejected)


def test_features_only_know_what_happened_before_the_day_asked(city: DemoCity) -> None:
    """past_collaborations counts the collaborations of the pair that started before the
    suggestion, never the one it led to."""
    led_to = {c.suggestion_id: c for c in city.collaborations if c.suggestion_id}
    assert led_to
    for s in city.suggestions:
        assert s.created_at is not None
        asked = s.created_at.date()
        before = sum(
            1
            for c in city.collaborations
            if c.status != CollaborationStatus.CANCELLED
            and c.starts < asked
            and {s.subject_id, s.candidate_id} <= set(c.org_ids())
        )
        assert s.features["past_collaborations"] == before, s.id
        if s.id in led_to:
            assert led_to[s.id].starts > asked


def test_offers_and_explanations_come_from_the_matchers_evidence(city: DemoCity) -> None:
    """The offer is the candidate's that best meets the need as of the day; the explanation
    quotes it when they really match (the matcher's rule), in sentences with names."""
    offers = {o.id: o for o in city.offers}
    quoted = Counter(s.offer_id is not None for s in city.suggestions)
    assert quoted[True] and quoted[False]
    meets = 0
    for s in city.suggestions:
        offer = offers[s.offer_id] if s.offer_id is not None else None
        if offer is not None:
            assert offer.org_id == s.candidate_id
            assert offer.created_at is not None and s.created_at is not None
            assert offer.created_at.date() < s.created_at.date()
        if "が応えられます" in s.explanation["ja"]:
            meets += 1
            assert offer is not None and f"「{offer.title[:10]}" in s.explanation["ja"], s.id
    assert meets >= 5
