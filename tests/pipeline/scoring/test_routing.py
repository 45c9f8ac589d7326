"""Routing: takedown needs a protected brand and an unauthorized seller; some listings reach review whatever their score."""

from __future__ import annotations

import dataclasses

import numpy as np

from pipeline.brands.catalog import BrandCatalog
from pipeline.scoring.routing import route, thresholds
from pipeline.types import Route

CATALOG = BrandCatalog.load()
BRAND = sorted(CATALOG.profiles)[0]


def arrays(*values: object) -> np.ndarray:
    return np.asarray(values)


def test_scores_go_to_takedown_review_or_clear_at_the_thresholds():
    scores = arrays(0.9, 0.5, 0.49, 0.035, 0.01)
    take, review = np.full(5, 0.5), np.full(5, 0.035)
    assert route(scores, take, review, np.zeros(5, bool)) == [
        Route.TAKEDOWN, Route.TAKEDOWN, Route.REVIEW, Route.REVIEW, Route.CLEAR]


def test_an_authorized_seller_is_never_taken_down_only_reviewed():
    assert route(arrays(0.99), arrays(0.5), arrays(0.035), arrays(True)) == [Route.REVIEW]


def test_a_listing_that_must_reach_a_person_goes_to_review_but_a_takedown_stays_a_takedown():
    scores = arrays(0.001, 0.9)
    must = arrays(True, True)
    assert route(scores, np.full(2, 0.5), np.full(2, 0.035), np.zeros(2, bool), must) == [
        Route.REVIEW, Route.TAKEDOWN]


def test_a_review_threshold_above_the_takedown_threshold_reviews_from_the_lower_one():
    # an authorized seller above the takedown threshold is reviewed even if a profile set review higher
    assert route(arrays(0.6), arrays(0.5), arrays(0.8), arrays(True)) == [Route.REVIEW]


def test_no_brand_means_no_takedown_whatever_the_score():
    take, review = thresholds(CATALOG, [None, BRAND], takedown=0.5, review=0.035)
    assert take[0] == np.inf and take[1] == 0.5
    assert route(arrays(1.0, 1.0), take, review, np.zeros(2, bool)) == [Route.REVIEW, Route.TAKEDOWN]


def test_a_brand_profile_sets_its_own_thresholds():
    profiles = dict(CATALOG.profiles)
    profiles[BRAND] = dataclasses.replace(profiles[BRAND], takedown_threshold=0.9, review_threshold=0.2)
    catalog = BrandCatalog(list(profiles.values()))
    take, review = thresholds(catalog, [BRAND], takedown=0.5, review=0.035)
    assert (take[0], review[0]) == (0.9, 0.2)


def test_no_takedown_without_direct_evidence_however_high_the_score():
    scores, take, review = arrays(0.999, 0.999), arrays(0.5, 0.5), arrays(0.035, 0.035)
    evidence = np.array([False, True])
    assert route(scores, take, review, np.zeros(2, bool), None, evidence) == [Route.REVIEW, Route.TAKEDOWN]
