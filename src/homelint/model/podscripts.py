"""What a pod's containers may make at run time with a literal `kubectl create secret
generic|tls|docker-registry NAME` or `kubectl create configmap NAME` in their command or args (a
Job that makes a trust anchor, say): read as shell words, never run.

kubectl creates in the namespace of its `-n`/`--namespace` flag, else, in a pod, in $POD_NAMESPACE,
else in the namespace of the pod's ServiceAccount token: the pod's own (client-go clientcmd
inClusterClientConfig.Namespace). A namespace the script computes (`$NS`, `$(...)`) may be any; a
name it computes is not known, and nothing is made of it. `--append-hash` suffixes the name with a
hash of the data (kubectl create_secret.go createSecret): not known either.

A workload of a Helm chart's templates is read before Helm renders it: each template action
(`{{ ... }}`) is a value Helm computes, read as an expansion (`$(...)`), with the whitespace its
trim markers (`{{- `, ` -}}`) remove; a text with an action left open is not read (Helm fails on it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from homelint.core.k8snames import valid_dns1123_label, valid_dns1123_subdomain
from homelint.core.model import K8sObject
from homelint.model.refs import POD_SPEC_PATHS, get

MAX_TEXT = 65_536  # a command or args string longer than this is not read
ANY = None  # a namespace the script computes: any namespace
POD = ""  # the pod's own namespace
SECRET_TYPES = ("generic", "tls", "docker-registry")  # kubectl create secret's subcommands
CONFIGMAP_WORDS = ("configmap", "cm")  # kubectl create configmap and its alias
# kubectl's global flags that take the next word as their value (when written without `=`)
VALUE_FLAGS = frozenset(
    {
        "-n",
        "--namespace",
        "-s",
        "--server",
        "--context",
        "--cluster",
        "--user",
        "--kubeconfig",
        "--token",
        "--as",
        "--as-group",
        "--as-uid",
        "--request-timeout",
        "--certificate-authority",
        "--client-certificate",
        "--client-key",
        "--tls-server-name",
        "--cache-dir",
        "-v",
        "--v",
    }
)
_COMMAND_ENDS = "\n;&|()"  # unquoted: the end of a simple command
_WORD_ENDS = " \t\r<>"  # unquoted: the end of a word (a redirection's target is a word of its own)
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")

Word = tuple[str, bool]  # (its literal text, whether the shell or the kubelet expands nothing in it)


@dataclass(frozen=True, slots=True)
class KubectlMade:
    """A Secret or ConfigMap a container's kubectl command creates."""

    kind: str  # "secret" | "configmap"
    namespace: str | None  # POD: the pod's own; ANY: one the script computes
    name: str
    command: str  # `kubectl create secret generic NAME`, as a finding shows it (no flag, no value)


def kubectl_made(obj: K8sObject, helm: bool = False) -> list[KubectlMade]:
    """What the containers and initContainers of a workload's pod template (POD_SPEC_PATHS) create
    with kubectl; in container order, each once. `helm`: a Helm chart's template, not yet rendered.
    Work is linear in the distinct strings read (YAML aliases repeat a string, a container or a
    list without more work)."""
    base = POD_SPEC_PATHS.get(obj.kind)
    spec = get(obj.data, base) if base is not None else None
    if not isinstance(spec, dict):
        return []
    out: dict[tuple[str, str | None, str], KubectlMade] = {}
    read: dict[int, list[KubectlMade]] = {}  # id of a string -> what it creates (namespace POD: the container's default)
    seen: set[int] = set()
    for group in ("initContainers", "containers"):
        containers = spec.get(group)
        for container in containers if isinstance(containers, list) else []:
            if not isinstance(container, dict) or id(container) in seen:
                continue
            seen.add(id(container))
            default = _default_namespace(container)
            for made in _container_creates(container, read, helm):
                namespace = default if made.namespace == POD else made.namespace
                out.setdefault((made.kind, namespace, made.name), replace(made, namespace=namespace))
    return list(out.values())


def _default_namespace(container: dict[str, Any]) -> str | None:
    """The namespace kubectl uses in the container without `-n`: $POD_NAMESPACE when the
    container sets it, else the pod's (its ServiceAccount token's); ANY for a kubeconfig of its
    own (KUBECONFIG) or a value the kubelet computes."""
    env = container.get("env")
    for item in env if isinstance(env, list) else []:
        if not isinstance(item, dict):
            continue
        if item.get("name") == "KUBECONFIG":
            return ANY
        if item.get("name") != "POD_NAMESPACE":
            continue
        value = item.get("value")
        if isinstance(value, str) and value:
            return value if valid_dns1123_label(value) else ANY
        if get(item, ("valueFrom", "fieldRef", "fieldPath")) == "metadata.namespace":
            return POD
        if "valueFrom" in item:
            return ANY
    return POD


def _container_creates(container: dict[str, Any], read: dict[int, list[KubectlMade]], helm: bool) -> Iterator[KubectlMade]:
    """What a container creates: each `command` and `args` string read as shell text, and
    `command` + `args` as the words the kubelet execs (it expands `$(VAR)` in them)."""
    listed: list[Any] = []
    for key in ("command", "args"):
        value = container.get(key)
        if isinstance(value, list):
            listed += value
    texts = [text for text in listed if isinstance(text, str) and len(text) <= MAX_TEXT]
    seen = {id(text): text for text in texts}  # by the YAML string's id, as `read` is
    shown = {at: unrendered(text) if helm else text for at, text in seen.items()}
    if any(text is None for text in shown.values()):
        return  # an action left open: Helm renders nothing of the chart
    for at, text in shown.items():
        if at not in read:
            found = (made for words in shell_commands(text or "") for made in _kubectl_creates(words))
            read[at] = list(dict.fromkeys(found))
        yield from read[at]
    if isinstance(container.get("command"), list) and len(texts) == len(listed):
        literal = {at: "$(" not in (text or "") for at, text in shown.items()}
        words = [(shown[id(text)] or "", literal[id(text)]) for text in texts]
        yield from _kubectl_creates(words)


def script_creates(text: str) -> list[KubectlMade]:
    """What the literal `kubectl create secret|configmap NAME` commands of a bootstrap script (a
    `.sh`, a Taskfile's or justfile's commands) create: template actions (`{{.NS}}`) are values
    the tool computes; without `-n` kubectl uses its context's namespace, which is not known (ANY)."""
    if "kubectl" not in text or "create" not in text:
        return []
    plain = unrendered(text)
    if plain is None:
        return []
    made: list[KubectlMade] = []
    for words in shell_commands(plain):
        made += [replace(m, namespace=ANY) if m.namespace == POD else m for m in _kubectl_creates(words)]
    return made


def unrendered(text: str) -> str | None:
    """`text` of a Helm template with each action (`{{ ... }}`) as an expansion `$(_)`, and the
    whitespace next to a trim marker (`{{- `, ` -}}`: text/template) removed; None when an action
    is left open (Helm fails to parse the template). One linear pass."""
    if "{{" not in text:
        return text
    out: list[str] = []
    i = 0
    while (start := text.find("{{", i)) >= 0:
        end = text.find("}}", start + 2)
        if end < 0:
            return None
        before = text[i:start]
        if text[start + 2 : start + 4] in ("- ", "-\t", "-\n", "-\r"):
            before = before.rstrip(" \t\r\n")
        out += [before, "$(_)"]
        i = end + 2
        if text[end - 2 : end] in (" -", "\t-", "\n-", "\r-"):
            while i < len(text) and text[i] in " \t\r\n":
                i += 1
    out.append(text[i:])
    return "".join(out)


def shell_commands(text: str) -> Iterator[list[Word]]:
    """The simple commands of shell text, each as its words, in one linear pass: quotes removed,
    `\\` newline joining lines, comments dropped. A word holding an expansion (`$X`, `${X}`,
    `$(...)`, backquotes) is not literal; what a command substitution runs is not read. Pipes,
    `;`, `&`, newlines and parentheses end a command."""
    if len(text) > MAX_TEXT:
        return
    words: list[Word] = []
    buf: list[str] = []
    literal, in_word = True, False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            if text.startswith("\n", i + 1):
                i += 2  # a line continuation
                continue
            buf.append(text[i + 1 : i + 2])
            in_word, i = True, i + 2
        elif c == "'":
            end = text.find("'", i + 1)
            end = n if end < 0 else end
            buf.append(text[i + 1 : end])
            in_word, i = True, end + 1
        elif c == '"':
            in_word, i = True, i + 1
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    buf.append(text[i + 1])
                    i += 2
                elif text[i] in "$`":
                    literal, i = False, _after_expansion(text, i)
                else:
                    buf.append(text[i])
                    i += 1
            i += 1
        elif c in "$`":
            literal, in_word, i = False, True, _after_expansion(text, i)
        elif c == "#" and not in_word:
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c in _WORD_ENDS or c in _COMMAND_ENDS:
            if in_word:
                words.append(("".join(buf), literal))
            buf, literal, in_word = [], True, False
            if c in _COMMAND_ENDS and words:
                yield words
                words = []
            i += 1
        else:
            buf.append(c)
            in_word, i = True, i + 1
    if in_word:
        words.append(("".join(buf), literal))
    if words:
        yield words


def _after_expansion(text: str, i: int) -> int:
    """The index after the expansion that starts at text[i] (`$` or a backquote)."""
    n = len(text)
    if text[i] == "`":
        end = text.find("`", i + 1)
        return n if end < 0 else end + 1
    if text.startswith("$(", i):
        depth, j = 0, i + 1
        while j < n:
            if text[j] == "(":
                depth += 1
            elif text[j] == ")":
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
        return n
    if text.startswith("${", i):
        end = text.find("}", i + 2)
        return n if end < 0 else end + 1
    j = i + 1
    while j < n and text[j] in _NAME_CHARS:
        j += 1
    return j if j > i + 1 else min(i + 2, n)  # $NAME, or a special parameter ($1, $@, $$)


def _kubectl_creates(words: list[Word]) -> Iterator[KubectlMade]:
    """What each literal `kubectl [global flags] create secret TYPE NAME` or `kubectl create
    configmap NAME` of one simple command creates; a kubectl command's words end at the next
    kubectl (each word is read once)."""
    starts = [at for at, (word, literal) in enumerate(words) if literal and (word == "kubectl" or word.endswith("/kubectl"))]
    for at, end in zip(starts, [*starts[1:], len(words)][: len(starts)], strict=True):
        made = _create(words[at + 1 : end])
        if made is not None:
            yield made


def _create(args: list[Word]) -> KubectlMade | None:
    i = 0
    while i < len(args) and args[i][0].startswith("-"):
        i += 2 if args[i][1] and args[i][0] in VALUE_FLAGS else 1
    verb = [word if literal else "" for word, literal in args[i : i + 3]]
    if verb[:2] == ["create", "secret"] and len(verb) == 3 and verb[2] in SECRET_TYPES:
        kind, at, shown = "secret", i + 3, f"kubectl create secret {verb[2]}"
    elif verb[:1] == ["create"] and len(verb) >= 2 and verb[1] in CONFIGMAP_WORDS:
        kind, at, shown = "configmap", i + 2, f"kubectl create {verb[1]}"
    else:
        return None
    if at >= len(args):
        return None
    name, literal = args[at]
    if not literal or not valid_dns1123_subdomain(name):
        return None  # computed by the script (a variable), or a name the API server refuses
    explicit: tuple[str, bool] | None = None
    kubeconfig = False
    for j, (word, literal) in enumerate(args):
        if word.startswith("--append-hash") and (not literal or word in ("--append-hash", "--append-hash=true")):
            return None  # the name gets a hash suffix
        kubeconfig = kubeconfig or word == "--kubeconfig" or word.startswith("--kubeconfig=")
        explicit = _namespace_flag(args, j) or explicit  # pflag: the last one given wins
    if explicit is None:
        namespace = ANY if kubeconfig else POD  # another kubeconfig: its context's namespace
    elif not explicit[1]:
        namespace = ANY
    elif valid_dns1123_label(explicit[0]):
        namespace = explicit[0]
    else:
        return None  # kubectl fails on it
    return KubectlMade(kind, namespace, name, f"{shown} {name}")


def _namespace_flag(args: list[Word], j: int) -> tuple[str, bool] | None:
    """(the namespace, whether literal) when args[j] is `-n X`, `-nX`, `-n=X`, `--namespace X`
    or `--namespace=X` (pflag's forms); None otherwise. A flag word with an expansion in it
    (`-n$NS`, `--namespace="$NS"`) is a namespace the script computes."""
    word, literal = args[j]
    if not word.startswith("-n") and not word.startswith("--namespace"):
        return None
    if word in ("-n", "--namespace"):
        if not literal:
            return "", False  # -n$NS
        if j + 1 >= len(args):
            return None
        return args[j + 1]
    if word.startswith("--namespace="):
        return word[len("--namespace=") :], literal
    if word.startswith("--"):
        return None  # another long flag
    return (word[3:] if word[2] == "=" else word[2:]), literal
