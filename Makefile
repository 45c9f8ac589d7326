# counterscan: `make demo` runs the pipeline end to end on a local Apache Kafka
# broker; `make test` installs everything needed and runs the whole suite.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
INSTALLED   := $(VENV)/.installed
KAFKA_JARS  := .cache/kafka-libs/.resolved
# kustomize renders deploy/k8s's overlays and kubeconform validates what it renders (tests/deploy)
KUSTOMIZE_VERSION   := v5.8.1
KUBECONFORM_VERSION := v0.8.0
K8S_TOOLS   := .cache/bin/.kustomize-$(KUSTOMIZE_VERSION) .cache/bin/.kubeconform-$(KUBECONFORM_VERSION)

.PHONY: demo test unit integration install kafka tools k8s-tools clean help

help:
	@echo "make demo   run counterscan end to end on a local Kafka broker (report in reports/demo.json)"
	@echo "make test   install what is needed and run every test"
	@echo "make unit | integration   one half of the suite"

NATIVE_SOURCES := native/pyproject.toml native/Cargo.toml $(wildcard native/src/*.rs)

$(INSTALLED): pyproject.toml $(NATIVE_SOURCES)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "counterscan needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,bench,plots]'
	@command -v cargo >/dev/null || { echo "Rust's cargo is needed to build native/ (https://rustup.rs)"; exit 1; }
	$(BIN)/pip install -q ./native  # the compiled intake: maturin from PyPI, its crates from crates.io
	touch $@

install: $(INSTALLED)

# Apache Kafka broker jars from Maven Central (needs Java 17+ and Maven).
$(KAFKA_JARS): agents/kafka/resources/pom.xml
	@command -v java >/dev/null || { echo "Java 17+ is needed to run the local Kafka broker"; exit 1; }
	@command -v mvn >/dev/null || { echo "Maven is needed to fetch Apache Kafka from Maven Central"; exit 1; }
	rm -rf .cache/kafka-libs
	mvn -q -B -f agents/kafka/resources/pom.xml dependency:copy-dependencies -Dkafka.libs=$(CURDIR)/.cache/kafka-libs
	touch $@

kafka: $(KAFKA_JARS)

# kcat (a Kafka client we did not write, for the interoperability test) and a
# real Prometheus server with promtool (scrape test, config and rule checks).
# Chromium and its WebDriver: the review console's browser tests (through Selenium).
tools:
	@command -v kcat >/dev/null && command -v prometheus >/dev/null && command -v promtool >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends kcat prometheus >/dev/null; }
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; }

# Built from the Go module proxy into .cache/bin (needs Go 1.26 or newer).
.cache/bin/.kustomize-%:
	@command -v go >/dev/null || { echo "Go is needed to build kustomize and kubeconform"; exit 1; }
	GOBIN=$(CURDIR)/.cache/bin go install sigs.k8s.io/kustomize/kustomize/v5@$*
	touch $@

.cache/bin/.kubeconform-%:
	@command -v go >/dev/null || { echo "Go is needed to build kustomize and kubeconform"; exit 1; }
	GOBIN=$(CURDIR)/.cache/bin go install github.com/yannh/kubeconform/cmd/kubeconform@$*
	touch $@

k8s-tools: $(K8S_TOOLS)

demo: $(INSTALLED) $(KAFKA_JARS)
	$(BIN)/counterscan demo --json reports/demo.json

test: $(INSTALLED) $(KAFKA_JARS) tools k8s-tools
	$(BIN)/pytest -q

unit: $(INSTALLED)
	$(BIN)/pytest -q tests/pipeline

integration: $(INSTALLED) $(KAFKA_JARS) tools
	$(BIN)/pytest -q tests/integration

clean:
	rm -rf $(VENV) .cache reports .pytest_cache
