"""HL101's "did you mean" for a resource file that does not exist offers files of its folder
that the kustomization does not list already (listing one twice fails the build: HL108)."""

from __future__ import annotations

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: ns-a}}\ndata: {{a: '1'}}\n"


def _hl101(check_json, root) -> list[str]:
    _, findings = check_json(root, "--select", "HL101")
    return [f["message"] for f in findings]


def test_a_listed_file_is_not_offered(repo, check_json):
    """app-a-viz-job.yaml is close to the missing app-a-viz-services.yaml, but listed already."""
    root = repo(
        {
            "part-b/kustomization.yaml": "resources: [app-a-viz-job.yaml, app-a-viz-services.yaml]\n",
            "part-b/app-a-viz-job.yaml": CM.format(name="job"),
        }
    )
    assert _hl101(check_json, root) == ["resource 'app-a-viz-services.yaml' does not exist"]


def test_an_unlisted_file_is_offered(repo, check_json):
    root = repo(
        {
            "part-b/kustomization.yaml": "resources: [app-a-viz-job.yaml, app-a-viz-service.yml]\n",
            "part-b/app-a-viz-job.yaml": CM.format(name="job"),
            "part-b/app-a-viz-service.yaml": CM.format(name="service"),
        }
    )
    assert _hl101(check_json, root) == ["resource 'app-a-viz-service.yml' does not exist; did you mean 'app-a-viz-service.yaml'?"]
