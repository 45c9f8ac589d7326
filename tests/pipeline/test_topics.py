from pipeline.topics import (
    ALL_TOPICS,
    APPEALS,
    BRAND_PROFILES,
    EXCHANGE_RATES,
    MODELS,
    NOTICE_TOPICS,
    NOTIFIER_REPUTATION,
    REVIEW_CLAIMS,
    SELLER_LINKS,
    SELLER_REPUTATION,
)


def test_topic_names_are_unique_and_partitioned():
    names = [t.name for t in ALL_TOPICS]
    assert len(names) == len(set(names)) == 14 + len(NOTICE_TOPICS)
    assert all(t.partitions >= 1 for t in ALL_TOPICS)


def test_state_topics_are_compacted_and_others_are_not():
    assert {t.name for t in ALL_TOPICS if t.compacted} == {BRAND_PROFILES.name, EXCHANGE_RATES.name, SELLER_REPUTATION.name,
                                                          SELLER_LINKS.name, MODELS.name, APPEALS.name,
                                                          NOTIFIER_REPUTATION.name, REVIEW_CLAIMS.name}
