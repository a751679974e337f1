"""NetworkPolicies are on by default (issue 10) and allow exactly the connections the app makes:
checked on the rendered selectors, not on the template text."""

from __future__ import annotations

from typing import Any

from .rendering import count, find, render

DNS = {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}


def policy(docs: list[dict[str, Any]], component: str) -> dict[str, Any]:
    return find(docs, "NetworkPolicy", f"pakaura-{component}")["spec"]


def peers(rule: dict[str, Any], key: str) -> set[str]:
    """Components (by their `app` label) or `ns:<name>` the rule's peers name."""
    names = set()
    for peer in rule.get(key, []):
        if "podSelector" in peer:
            labels = peer["podSelector"]["matchLabels"]
            assert labels["app.kubernetes.io/instance"] == "pakaura", "same release only"
            names.add(labels["app"])
        elif "namespaceSelector" in peer:
            names.add(
                "ns:" + peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            )
        else:
            names.add("ipBlock:" + peer["ipBlock"]["cidr"])
    return names


def ports(rule: dict[str, Any]) -> set[int]:
    return {p["port"] for p in rule["ports"]}


def test_every_component_has_a_policy_by_default(defaults: list[dict[str, Any]]) -> None:
    names = {d["metadata"]["name"] for d in defaults if d["kind"] == "NetworkPolicy"}
    assert names == {f"pakaura-{c}" for c in ("api", "frontend", "postgresql", "migrate", "test")}
    for doc in defaults:
        if doc["kind"] == "NetworkPolicy":
            assert doc["spec"]["policyTypes"] == ["Ingress", "Egress"]
            assert DNS in doc["spec"]["egress"], doc["metadata"]["name"]
            count("network policy assertions", 2)


def test_api_accepts_frontend_ingress_controller_and_migration(
    defaults: list[dict[str, Any]],
) -> None:
    (rule,) = policy(defaults, "api")["ingress"]
    assert peers(rule, "from") == {"frontend", "ns:ingress-nginx", "migrate", "test"}
    assert ports(rule) == {8000}
    other = render(("--set", "networkPolicy.ingressControllerNamespace=traefik"))
    assert "ns:traefik" in peers(policy(other, "api")["ingress"][0], "from")
    count("network policy assertions", 3)


def test_postgresql_accepts_only_api_migration_and_backup(defaults: list[dict[str, Any]]) -> None:
    spec = policy(defaults, "postgresql")
    (rule,) = spec["ingress"]
    assert peers(rule, "from") == {"api", "migrate", "backup"}
    assert ports(rule) == {5432}
    assert spec["egress"] == [DNS], "PostgreSQL opens no connections"
    count("network policy assertions", 3)


def test_api_egress_is_dns_database_and_public_https(defaults: list[dict[str, Any]]) -> None:
    dns, database, cohere = policy(defaults, "api")["egress"]
    assert dns == DNS
    assert peers(database, "to") == {"postgresql"}
    assert ports(database) == {5432}
    assert ports(cohere) == {443}
    block = cohere["to"][0]["ipBlock"]
    assert block["cidr"] == "0.0.0.0/0"
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} <= set(block["except"])
    off = render(("--set", "networkPolicy.egress.cohere.enabled=false"))
    assert len(policy(off, "api")["egress"]) == 2
    count("network policy assertions", 6)


def test_frontend_migration_and_test_pod_reach_only_what_they_use(
    defaults: list[dict[str, Any]],
) -> None:
    frontend = policy(defaults, "frontend")
    assert peers(frontend["ingress"][0], "from") == {"ns:ingress-nginx", "test"}
    assert [peers(r, "to") for r in frontend["egress"][1:]] == [{"api"}]
    migrate = policy(defaults, "migrate")
    assert "ingress" not in migrate, "accepts nothing"
    assert [peers(r, "to") for r in migrate["egress"][1:]] == [{"postgresql"}, {"api"}]
    test = policy(defaults, "test")
    assert [peers(r, "to") for r in test["egress"][1:]] == [{"api"}, {"frontend"}]
    count("network policy assertions", 5)


def test_a_nodeport_frontend_accepts_any_source() -> None:
    docs = render(("--set", "frontend.service.type=NodePort"))
    (rule,) = policy(docs, "frontend")["ingress"]
    assert "from" not in rule
    assert ports(rule) == {3000}
    count("network policy assertions", 2)


def test_external_database_egress_follows_its_port_and_peers() -> None:
    base = ("--set", "postgresql.enabled=false", "--set", "externalDatabase.host=db.example")
    docs = render((*base, "--set", "externalDatabase.port=6432"))
    names = {d["metadata"]["name"] for d in docs if d["kind"] == "NetworkPolicy"}
    assert "pakaura-postgresql" not in names
    database = policy(docs, "api")["egress"][1]
    assert ports(database) == {6432}
    assert "to" not in database, "any address on the database port unless narrowed"
    narrowed = render(
        (
            *base,
            "--set-json",
            'networkPolicy.egress.externalDatabase=[{"ipBlock":{"cidr":"10.1.2.3/32"}}]',
        )
    )
    for component in ("api", "migrate"):
        assert peers(policy(narrowed, component)["egress"][1], "to") == {"ipBlock:10.1.2.3/32"}
    count("network policy assertions", 4)


def test_switching_policies_off_removes_them_and_flags_the_checkov_skip() -> None:
    docs = render(("--set", "networkPolicy.enabled=false"))
    assert not [d for d in docs if d["kind"] == "NetworkPolicy"]
    annotations = find(docs, "Deployment", "api")["metadata"]["annotations"]
    assert any(v.startswith("CKV2_K8S_6=") for v in annotations.values())
    count("network policy assertions", 2)


def test_forwarded_allow_ips_is_one_value_for_api_and_web_app(
    defaults: list[dict[str, Any]],
) -> None:
    config = find(defaults, "ConfigMap", "pakaura-config")["data"]
    ranges = config["FORWARDED_ALLOW_IPS"].split(",")
    assert "*" not in ranges
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} <= set(ranges)
    custom = render(("--set", "forwardedAllowIps={10.244.0.0/16}"))
    assert find(custom, "ConfigMap", "pakaura-config")["data"]["FORWARDED_ALLOW_IPS"] == (
        "10.244.0.0/16"
    )
    count("network policy assertions", 3)
