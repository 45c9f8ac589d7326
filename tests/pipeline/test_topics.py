from pipeline.topics import ALL_TOPICS, BRAND_PROFILES, EXCHANGE_RATES, REVIEW_CLAIMS, SELLER_LINKS, SELLER_REPUTATION


def test_topic_names_are_unique_and_partitioned():
    names = [t.name for t in ALL_TOPICS]
    assert len(names) == len(set(names)) == 13
    assert all(t.partitions >= 1 for t in ALL_TOPICS)


def test_state_topics_are_compacted_and_others_are_not():
    assert {t.name for t in ALL_TOPICS if t.compacted} == {BRAND_PROFILES.name, EXCHANGE_RATES.name, SELLER_REPUTATION.name,
                                                          SELLER_LINKS.name, REVIEW_CLAIMS.name}
