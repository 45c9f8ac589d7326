import numpy as np

from pipeline.brands.catalog import BrandCatalog
from pipeline.scoring.priority import WEIGHTS, brand_values, review_priorities


def priorities(scores, brands=("gucci",), labels=None, seller=0, linked=0, accounts=0, take=0.9, review=0.2):
    n = len(scores)
    return review_priorities(np.asarray(scores, dtype=float), np.full(n, take), np.full(n, review),
                             list(brands) * (n // len(brands)), {"gucci": 0.9, "uniqlo": 0.5}, labels or {},
                             np.full(n, seller), np.full(n, linked), np.full(n, accounts))


def test_listings_near_a_threshold_come_before_those_mid_band():
    priority, parts = priorities([0.89, 0.55, 0.21])
    assert priority[0] > priority[1] and priority[2] > priority[1]
    assert parts[1, 0] == 0.0 and parts[0, 0] > 0.9


def test_brands_with_few_labels_and_dear_brands_come_first():
    few, _ = priorities([0.5], labels={"gucci": 0})
    many, _ = priorities([0.5], labels={"gucci": 5000})
    assert few[0] > many[0]
    dear, _ = priorities([0.5], brands=("gucci",))
    cheap, _ = priorities([0.5], brands=("uniqlo",))
    assert dear[0] > cheap[0]


def test_network_links_raise_the_priority():
    alone, _ = priorities([0.5])
    linked, _ = priorities([0.5], accounts=2)
    struck, _ = priorities([0.5], linked=3, accounts=2)
    assert alone[0] < linked[0] < struck[0]


def test_equal_inputs_give_equal_priorities_within_bounds():
    priority, parts = priorities([0.4, 0.4, 0.4])
    assert len(set(priority.tolist())) == 1
    assert ((parts >= 0) & (parts <= 1)).all() and 0 <= priority.min() and priority.max() <= sum(WEIGHTS.values())


def test_brand_values_follow_the_highest_retail_price():
    values = brand_values(BrandCatalog.load())
    assert all(0 <= v <= 1 for v in values.values())
    assert values["hermes"] > values["uniqlo"] if "uniqlo" in values else max(values.values()) > min(values.values())
