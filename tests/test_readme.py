"""The README's tables say what the code does."""

from pipeline.scoring.signals import SIGNALS
from pipeline.settings import PROJECT_ROOT, setting_help
from pipeline.topics import ALL_TOPICS

README = (PROJECT_ROOT / "README.md").read_text()


def test_every_setting_is_documented():
    for _name, env, _default, _text, _section in setting_help():
        assert f"`{env}`" in README, env


def test_every_topic_is_documented_with_its_partitions():
    for topic in ALL_TOPICS:
        assert f"| `{topic.name}` | {topic.partitions} |" in README, topic.name


def test_every_signal_is_documented():
    for signal in SIGNALS:
        assert f"| `{signal.name}` |" in README, signal.name
