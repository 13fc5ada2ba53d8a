// Package deploy_test checks the deployment files in this folder against the
// code: the YAML parses (strictly, into the fields Kubernetes and Compose
// know), the ports and probe paths match what csbot serve listens on, every
// environment variable is one the README documents, and the binary the
// Dockerfile builds builds and runs.
package deploy_test

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// ---------------------------------------------------------------------------
// What the code says.

// defaultPort is the port of csbot serve's default address, read from
// cmd/csbot/options.go so these tests fail when the code's default changes.
func defaultPort(t *testing.T) int {
	t.Helper()
	src := readFile(t, "../cmd/csbot/options.go")
	m := regexp.MustCompile(`const defaultAddr = "([^"]*)"`).FindStringSubmatch(src)
	if m == nil {
		t.Fatal(`cmd/csbot/options.go: no const defaultAddr = "..." found; update this test`)
	}
	_, port, err := net.SplitHostPort(m[1])
	if err != nil {
		t.Fatalf("default address %q: %v", m[1], err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("default address %q: port: %v", m[1], err)
	}
	return n
}

// shutdownGrace is csbot serve's default shutdown grace, read from cmd/csbot/options.go.
func shutdownGrace(t *testing.T) time.Duration {
	t.Helper()
	src := readFile(t, "../cmd/csbot/options.go")
	m := regexp.MustCompile(`const defaultShutdownGrace = (\d+) \* time\.Second`).FindStringSubmatch(src)
	if m == nil {
		t.Fatal("cmd/csbot/options.go: no `const defaultShutdownGrace = N * time.Second` found; update this test")
	}
	n, _ := strconv.Atoi(m[1])
	return time.Duration(n) * time.Second
}

// servedPaths are the GET paths csbot serve registers, read from serve.go.
func servedPaths(t *testing.T) []string {
	t.Helper()
	src := readFile(t, "../cmd/csbot/serve.go")
	var paths []string
	for _, m := range regexp.MustCompile(`mux\.Handle(?:Func)?\("GET (/[^"]*)"`).FindAllStringSubmatch(src, -1) {
		paths = append(paths, m[1])
	}
	return paths
}

// goRuntimeEnv are variables of the Go runtime (not of csbot) the manifests
// may set; deploy/README.md explains them.
var goRuntimeEnv = []string{"GOMEMLIMIT"}

// envPrefixes are the families of variables the environment contract of
// docs/contract.md defines.
var envPrefixes = []string{"MONGODB_URI", "CSBOT_", "SLACK_", "DISCORD_", "TEAMS_"}

// documentedEnv returns the variables named in the README's Configuration
// section (its tables and the note on the reserved Discord/Teams ones).
func documentedEnv(t *testing.T) map[string]bool {
	t.Helper()
	readme := readFile(t, "../README.md")
	_, section, ok := strings.Cut(readme, "\n## Configuration\n")
	if !ok {
		t.Fatal("README.md: no ## Configuration section")
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	env := map[string]bool{}
	for _, m := range regexp.MustCompile("`([A-Z][A-Z0-9_]+)`").FindAllStringSubmatch(section, -1) {
		env[m[1]] = true
	}
	for _, must := range []string{"CSBOT_ADDR", "MONGODB_URI", "CSBOT_DATA_DIR", "SLACK_BOT_TOKEN"} {
		if !env[must] {
			t.Fatalf("README.md Configuration: %s not found; the parsing in this test is out of date", must)
		}
	}
	return env
}

func checkEnvName(t *testing.T, where, name string, documented map[string]bool) {
	t.Helper()
	if name == "GOGC" {
		t.Errorf("%s: sets GOGC; leave it unset so csbot serve uses its own GC target (README, Performance)", where)
		return
	}
	if slices.Contains(goRuntimeEnv, name) {
		return
	}
	if !slices.ContainsFunc(envPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
		t.Errorf("%s: %s is not a csbot variable (%v)", where, name, envPrefixes)
	}
	if !documented[name] {
		t.Errorf("%s: %s is not documented in README.md's Configuration section", where, name)
	}
}

// ---------------------------------------------------------------------------
// YAML.

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// yamlFiles are every YAML file under deploy/.
func yamlFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// documents decodes every document of a YAML stream into yaml.Nodes.
func documents(t *testing.T, path string) []*yaml.Node {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(readFile(t, path)))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, len(docs)+1, err)
		}
		if len(n.Content) == 0 || n.Content[0].Kind == 0 {
			continue // an empty document (a lone ---)
		}
		docs = append(docs, &n)
	}
}

// strict decodes one document into v, refusing fields v does not have: a
// misspelt key (readinessprobe, contanerPort) fails here instead of being
// silently dropped.
func strict(t *testing.T, where string, n *yaml.Node, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v (if the field is right, add it to the types in deploy_test.go)", where, err)
	}
}

func TestYAMLParses(t *testing.T) {
	files := yamlFiles(t)
	for _, want := range []string{"docker-compose.yml", "k8s/deployment.yaml", "k8s/service.yaml", "k8s/pdb.yaml", "k8s/secret.example.yaml", "k8s/kustomization.yaml"} {
		if !slices.Contains(files, filepath.FromSlash(want)) {
			t.Errorf("deploy/%s is missing", want)
		}
	}
	for _, f := range files {
		t.Run(filepath.ToSlash(f), func(t *testing.T) {
			docs := documents(t, f)
			if len(docs) == 0 {
				t.Fatal("no YAML document")
			}
			for i, d := range docs {
				if d.Content[0].Kind != yaml.MappingNode {
					t.Errorf("document %d: a %v, want a mapping", i+1, d.Content[0].Tag)
				}
				var m map[string]any
				if err := d.Decode(&m); err != nil {
					t.Errorf("document %d: %v", i+1, err)
				}
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Kubernetes: the subset of the API these manifests use.

type objectMeta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type deployment struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		Replicas             *int          `yaml:"replicas"`
		RevisionHistoryLimit *int          `yaml:"revisionHistoryLimit"`
		Selector             labelSelector `yaml:"selector"`
		Strategy             struct {
			Type          string `yaml:"type"`
			RollingUpdate struct {
				MaxSurge       any `yaml:"maxSurge"`
				MaxUnavailable any `yaml:"maxUnavailable"`
			} `yaml:"rollingUpdate"`
		} `yaml:"strategy"`
		Template struct {
			Metadata objectMeta `yaml:"metadata"`
			Spec     podSpec    `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	AutomountServiceAccountToken  *bool `yaml:"automountServiceAccountToken"`
	TerminationGracePeriodSeconds *int  `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot   *bool `yaml:"runAsNonRoot"`
		RunAsUser      *int  `yaml:"runAsUser"`
		RunAsGroup     *int  `yaml:"runAsGroup"`
		FSGroup        *int  `yaml:"fsGroup"`
		SeccompProfile struct {
			Type string `yaml:"type"`
		} `yaml:"seccompProfile"`
	} `yaml:"securityContext"`
	TopologySpreadConstraints []struct {
		MaxSkew           int           `yaml:"maxSkew"`
		TopologyKey       string        `yaml:"topologyKey"`
		WhenUnsatisfiable string        `yaml:"whenUnsatisfiable"`
		LabelSelector     labelSelector `yaml:"labelSelector"`
	} `yaml:"topologySpreadConstraints"`
	Containers []container `yaml:"containers"`
	Volumes    []struct {
		Name     string `yaml:"name"`
		EmptyDir *struct {
			Medium    string `yaml:"medium"`
			SizeLimit string `yaml:"sizeLimit"`
		} `yaml:"emptyDir"`
	} `yaml:"volumes"`
}

type container struct {
	Name            string   `yaml:"name"`
	Image           string   `yaml:"image"`
	ImagePullPolicy string   `yaml:"imagePullPolicy"`
	Command         []string `yaml:"command"`
	Args            []string `yaml:"args"`
	Ports           []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
		Protocol      string `yaml:"protocol"`
	} `yaml:"ports"`
	Env     []envVar `yaml:"env"`
	EnvFrom []struct {
		SecretRef *struct {
			Name     string `yaml:"name"`
			Optional *bool  `yaml:"optional"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
	StartupProbe   *probe `yaml:"startupProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
		RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

type envVar struct {
	Name      string `yaml:"name"`
	Value     string `yaml:"value"`
	ValueFrom *struct {
		SecretKeyRef *struct {
			Name     string `yaml:"name"`
			Key      string `yaml:"key"`
			Optional *bool  `yaml:"optional"`
		} `yaml:"secretKeyRef"`
	} `yaml:"valueFrom"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"` // a number or a port name
	} `yaml:"httpGet"`
	InitialDelaySeconds int `yaml:"initialDelaySeconds"`
	PeriodSeconds       int `yaml:"periodSeconds"`
	TimeoutSeconds      int `yaml:"timeoutSeconds"`
	FailureThreshold    int `yaml:"failureThreshold"`
	SuccessThreshold    int `yaml:"successThreshold"`
}

type service struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		Type     string            `yaml:"type"`
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort any    `yaml:"targetPort"`
			Protocol   string `yaml:"protocol"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type podDisruptionBudget struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		MinAvailable   any           `yaml:"minAvailable"`
		MaxUnavailable any           `yaml:"maxUnavailable"`
		Selector       labelSelector `yaml:"selector"`
	} `yaml:"spec"`
}

type secret struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   objectMeta        `yaml:"metadata"`
	Type       string            `yaml:"type"`
	StringData map[string]string `yaml:"stringData"`
	Data       map[string]string `yaml:"data"`
}

type kustomization struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Resources  []string `yaml:"resources"`
}

// manifests holds every Kubernetes object under k8s/, each decoded strictly.
type manifests struct {
	deployments []deployment
	services    []service
	pdbs        []podDisruptionBudget
	secrets     []secret
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	var ms manifests
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		for i, d := range documents(t, f) {
			where := fmt.Sprintf("%s document %d", f, i+1)
			var head struct {
				APIVersion string `yaml:"apiVersion"`
				Kind       string `yaml:"kind"`
			}
			if err := d.Decode(&head); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			switch head.APIVersion + " " + head.Kind {
			case "apps/v1 Deployment":
				var o deployment
				strict(t, where, d, &o)
				ms.deployments = append(ms.deployments, o)
			case "v1 Service":
				var o service
				strict(t, where, d, &o)
				ms.services = append(ms.services, o)
			case "policy/v1 PodDisruptionBudget":
				var o podDisruptionBudget
				strict(t, where, d, &o)
				ms.pdbs = append(ms.pdbs, o)
			case "v1 Secret":
				var o secret
				strict(t, where, d, &o)
				ms.secrets = append(ms.secrets, o)
			default:
				t.Fatalf("%s: %s %s: not a kind this test knows; add it", where, head.APIVersion, head.Kind)
			}
		}
	}
	if len(ms.deployments) != 1 || len(ms.services) != 1 || len(ms.pdbs) != 1 || len(ms.secrets) != 1 {
		t.Fatalf("k8s/: %d Deployments, %d Services, %d PodDisruptionBudgets, %d Secrets; want one each",
			len(ms.deployments), len(ms.services), len(ms.pdbs), len(ms.secrets))
	}
	return ms
}

func (c container) port(name string) (int, bool) {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort, true
		}
	}
	return 0, false
}

func (c container) env(name string) (envVar, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e, true
		}
	}
	return envVar{}, false
}

// matches reports whether a selector picks pods with these labels.
func matches(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func ptrIs[T comparable](p *T, want T) bool { return p != nil && *p == want }

// show prints what a pointer field holds, or "unset".
func show[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

func TestDeployment(t *testing.T) {
	ms := loadManifests(t)
	d := ms.deployments[0]
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	port := defaultPort(t)
	served := servedPaths(t)

	probeCheck := func(p *probe, path string) error {
		if p == nil || p.HTTPGet == nil {
			return errors.New("no httpGet probe")
		}
		if p.HTTPGet.Path != path {
			return fmt.Errorf("path %q, want %q", p.HTTPGet.Path, path)
		}
		if !slices.Contains(served, path) {
			return fmt.Errorf("csbot serve does not serve GET %s (serves %v)", path, served)
		}
		if p.HTTPGet.Port != "http" {
			return fmt.Errorf("port %v, want the named port http", p.HTTPGet.Port)
		}
		return nil
	}

	for _, tc := range []struct {
		name  string
		check func() error
	}{
		{"two replicas", func() error {
			if !ptrIs(d.Spec.Replicas, 2) {
				return fmt.Errorf("replicas %s, want 2", show(d.Spec.Replicas))
			}
			return nil
		}},
		{"selector matches the pod labels", func() error {
			if !matches(d.Spec.Selector.MatchLabels, d.Spec.Template.Metadata.Labels) {
				return fmt.Errorf("selector %v, pod labels %v", d.Spec.Selector.MatchLabels, d.Spec.Template.Metadata.Labels)
			}
			return nil
		}},
		{"runs csbot serve", func() error {
			if len(c.Command) != 0 || !slices.Equal(c.Args, []string{"serve"}) {
				return fmt.Errorf("command %q args %q, want the image's entrypoint with args [serve]", c.Command, c.Args)
			}
			return nil
		}},
		{"port http is the code's default port", func() error {
			p, ok := c.port("http")
			if !ok {
				return errors.New("no container port named http")
			}
			if p != port {
				return fmt.Errorf("containerPort %d, csbot serve listens on %d (cmd/csbot/options.go)", p, port)
			}
			if e, ok := c.env("CSBOT_ADDR"); ok {
				return fmt.Errorf("CSBOT_ADDR=%q set; the port checks assume the code's default", e.Value)
			}
			return nil
		}},
		{"liveness probe GET /healthz", func() error { return probeCheck(c.LivenessProbe, "/healthz") }},
		{"readiness probe GET /readyz", func() error { return probeCheck(c.ReadinessProbe, "/readyz") }},
		{"startup probe GET /healthz", func() error {
			if c.StartupProbe == nil {
				return nil // optional
			}
			return probeCheck(c.StartupProbe, "/healthz")
		}},
		{"readiness timeout outlasts the store ping (2 s)", func() error {
			if c.ReadinessProbe != nil && c.ReadinessProbe.TimeoutSeconds <= 2 {
				return fmt.Errorf("timeoutSeconds %d: /readyz may take 2 s to answer 503", c.ReadinessProbe.TimeoutSeconds)
			}
			return nil
		}},
		{"non-root", func() error {
			sc := pod.SecurityContext
			if !ptrIs(sc.RunAsNonRoot, true) && !ptrIs(c.SecurityContext.RunAsNonRoot, true) {
				return errors.New("runAsNonRoot is not true")
			}
			// The image names its user (USER nonroot), which the kubelet
			// cannot check against runAsNonRoot: a numeric user is needed.
			if sc.RunAsUser == nil || *sc.RunAsUser == 0 {
				return fmt.Errorf("runAsUser %s, want a non-zero uid", show(sc.RunAsUser))
			}
			return nil
		}},
		{"locked-down container", func() error {
			sc := c.SecurityContext
			if !ptrIs(sc.ReadOnlyRootFilesystem, true) {
				return errors.New("readOnlyRootFilesystem is not true")
			}
			if !ptrIs(sc.AllowPrivilegeEscalation, false) {
				return errors.New("allowPrivilegeEscalation is not false")
			}
			return nil
		}},
		{"resources", func() error {
			var errs []error
			for _, r := range []string{"cpu", "memory"} {
				if c.Resources.Requests[r] == "" {
					errs = append(errs, fmt.Errorf("no %s request", r))
				}
			}
			if c.Resources.Limits["memory"] == "" {
				errs = append(errs, errors.New("no memory limit"))
			}
			return errors.Join(errs...)
		}},
		{"termination grace outlasts the shutdown grace", func() error {
			g := shutdownGrace(t)
			if pod.TerminationGracePeriodSeconds == nil || time.Duration(*pod.TerminationGracePeriodSeconds)*time.Second <= g {
				return fmt.Errorf("terminationGracePeriodSeconds %s, csbot takes up to %v to stop", show(pod.TerminationGracePeriodSeconds), g)
			}
			return nil
		}},
		{"MONGODB_URI from the Secret, required", func() error {
			// The embedded store serves one replica; two need MongoDB.
			e, ok := c.env("MONGODB_URI")
			if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				return errors.New("MONGODB_URI does not come from a secretKeyRef")
			}
			if ref := e.ValueFrom.SecretKeyRef; ref.Name != ms.secrets[0].Metadata.Name || ptrIs(ref.Optional, true) {
				return fmt.Errorf("MONGODB_URI from secret %q (optional %s), want required from %q", ref.Name, show(ref.Optional), ms.secrets[0].Metadata.Name)
			}
			return nil
		}},
		{"chat and API secrets from the Secret", func() error {
			for _, name := range []string{"SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_PUBLIC_KEY", "DISCORD_BOT_TOKEN", "DISCORD_APP_ID", "TEAMS_WEBHOOK_SECRET", "CSBOT_API_TOKEN"} {
				e, ok := c.env(name)
				if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name != ms.secrets[0].Metadata.Name {
					return fmt.Errorf("%s does not come from the Secret %q", name, ms.secrets[0].Metadata.Name)
				}
			}
			return nil
		}},
		{"no secret as a plain value", func() error {
			for _, e := range c.Env {
				if (strings.HasPrefix(e.Name, "SLACK_") || strings.Contains(e.Name, "TOKEN") || strings.Contains(e.Name, "SECRET") || e.Name == "MONGODB_URI") && e.Value != "" {
					return fmt.Errorf("%s has a literal value; take it from the Secret", e.Name)
				}
			}
			return nil
		}},
		{"GOMEMLIMIT below the memory limit", func() error {
			e, ok := c.env("GOMEMLIMIT")
			if !ok {
				return nil
			}
			soft, err := quantity(e.Value)
			if err != nil {
				return fmt.Errorf("GOMEMLIMIT: %v", err)
			}
			hard, err := quantity(c.Resources.Limits["memory"])
			if err != nil {
				return fmt.Errorf("limits.memory: %v", err)
			}
			if soft >= hard {
				return fmt.Errorf("GOMEMLIMIT %s is not below limits.memory %s", e.Value, c.Resources.Limits["memory"])
			}
			return nil
		}},
		{"metrics annotation on the http port", func() error {
			a := d.Spec.Template.Metadata.Annotations
			if p, ok := a["prometheus.io/port"]; ok && p != strconv.Itoa(port) {
				return fmt.Errorf("prometheus.io/port %s, want %d", p, port)
			}
			if p, ok := a["prometheus.io/path"]; ok && !slices.Contains(served, p) {
				return fmt.Errorf("prometheus.io/path %s is not served (%v)", p, served)
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.check(); err != nil {
				t.Error(err)
			}
		})
	}
}

// quantity parses the memory quantities used here (Ki, Mi, Gi, or bytes),
// the same suffixes Kubernetes and GOMEMLIMIT (KiB, MiB, GiB) take.
func quantity(s string) (int64, error) {
	s = strings.TrimSuffix(s, "B")
	for i, suf := range []string{"Ki", "Mi", "Gi"} {
		if n, ok := strings.CutSuffix(s, suf); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			return v << (10 * (i + 1)), err
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

func TestService(t *testing.T) {
	ms := loadManifests(t)
	s, d := ms.services[0], ms.deployments[0]
	if s.Spec.Type != "" && s.Spec.Type != "ClusterIP" {
		t.Errorf("type %s, want ClusterIP", s.Spec.Type)
	}
	if !matches(s.Spec.Selector, d.Spec.Template.Metadata.Labels) {
		t.Errorf("selector %v does not match the pod labels %v", s.Spec.Selector, d.Spec.Template.Metadata.Labels)
	}
	if len(s.Spec.Ports) != 1 {
		t.Fatalf("%d ports, want 1", len(s.Spec.Ports))
	}
	p := s.Spec.Ports[0]
	if p.Port != 80 {
		t.Errorf("port %d, want 80", p.Port)
	}
	name, ok := p.TargetPort.(string)
	if !ok {
		t.Fatalf("targetPort %v, want a port name", p.TargetPort)
	}
	if _, ok := d.Spec.Template.Spec.Containers[0].port(name); !ok {
		t.Errorf("targetPort %q is not a port of the Deployment's container", name)
	}
}

func TestPodDisruptionBudget(t *testing.T) {
	ms := loadManifests(t)
	p, d := ms.pdbs[0], ms.deployments[0]
	if p.Spec.MinAvailable != 1 || p.Spec.MaxUnavailable != nil {
		t.Errorf("minAvailable %v maxUnavailable %v, want minAvailable 1", p.Spec.MinAvailable, p.Spec.MaxUnavailable)
	}
	if d.Spec.Replicas != nil && *d.Spec.Replicas <= 1 {
		t.Errorf("minAvailable 1 with %d replicas blocks every drain", *d.Spec.Replicas)
	}
	if diff := cmp.Diff(d.Spec.Selector.MatchLabels, p.Spec.Selector.MatchLabels); diff != "" {
		t.Errorf("PDB selector differs from the Deployment's (-deployment +pdb):\n%s", diff)
	}
	if !matches(p.Spec.Selector.MatchLabels, d.Spec.Template.Metadata.Labels) {
		t.Errorf("selector %v does not match the pod labels", p.Spec.Selector.MatchLabels)
	}
}

func TestSecretExample(t *testing.T) {
	ms := loadManifests(t)
	s, c := ms.secrets[0], ms.deployments[0].Spec.Template.Spec.Containers[0]
	if len(s.Data) != 0 {
		t.Error("data set; the example uses stringData placeholders only")
	}
	raw := readFile(t, "k8s/secret.example.yaml")
	if !strings.Contains(raw, "EXAMPLE ONLY") || !strings.Contains(raw, "Do not commit real secrets") {
		t.Error("the file does not say it is an example not to fill with real secrets")
	}
	for k, v := range s.StringData {
		if !strings.Contains(v, "REPLACE-ME") {
			t.Errorf("%s: %q is not a REPLACE-ME placeholder", k, v)
		}
	}
	// Every key the Deployment requires is in the example.
	for _, e := range c.Env {
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		if _, ok := s.StringData[ref.Key]; !ok && !ptrIs(ref.Optional, true) {
			t.Errorf("the Deployment requires key %s, missing from the example", ref.Key)
		}
	}
	if u, err := url.Parse(s.StringData["MONGODB_URI"]); err != nil || u.Scheme != "mongodb" || u.Query().Get("replicaSet") == "" {
		t.Errorf("MONGODB_URI %q: want a mongodb:// URI naming a replicaSet (%v)", s.StringData["MONGODB_URI"], err)
	}
}

func TestKustomization(t *testing.T) {
	docs := documents(t, "k8s/kustomization.yaml")
	var k kustomization
	strict(t, "k8s/kustomization.yaml", docs[0], &k)
	if slices.Contains(k.Resources, "secret.example.yaml") {
		t.Error("lists secret.example.yaml; the real Secret is created separately")
	}
	for _, want := range []string{"deployment.yaml", "service.yaml", "pdb.yaml"} {
		if !slices.Contains(k.Resources, want) {
			t.Errorf("resources %v: %s missing", k.Resources, want)
		}
	}
	for _, r := range k.Resources {
		if _, err := os.Stat(filepath.Join("k8s", r)); err != nil {
			t.Error(err)
		}
	}
}

// ---------------------------------------------------------------------------
// docker compose.

type compose struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	EnvFile     any               `yaml:"env_file"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		Retries     int      `yaml:"retries"`
		StartPeriod string   `yaml:"start_period"`
	} `yaml:"healthcheck"`
	Restart         string `yaml:"restart"`
	StopGracePeriod string `yaml:"stop_grace_period"`
}

func TestCompose(t *testing.T) {
	docs := documents(t, "docker-compose.yml")
	if len(docs) != 1 {
		t.Fatalf("%d documents, want 1", len(docs))
	}
	var c compose
	strict(t, "docker-compose.yml", docs[0], &c)
	mongo, ok := c.Services["mongo"]
	if !ok {
		t.Fatal("no service mongo")
	}
	bot, ok := c.Services["csbot"]
	if !ok {
		t.Fatal("no service csbot")
	}
	port := defaultPort(t)
	documented := documentedEnv(t)

	replSet := ""
	if i := slices.Index(mongo.Command, "--replSet"); i >= 0 && i+1 < len(mongo.Command) {
		replSet = mongo.Command[i+1]
	}
	hc := ""
	if mongo.Healthcheck != nil {
		hc = strings.Join(mongo.Healthcheck.Test, " ")
	}

	for _, tc := range []struct {
		name  string
		check func() error
	}{
		{"mongo is a replica set", func() error {
			if !strings.HasPrefix(mongo.Image, "mongo:") {
				return fmt.Errorf("image %q", mongo.Image)
			}
			if replSet == "" || !slices.Contains(mongo.Command, "--bind_ip_all") {
				return fmt.Errorf("command %q: want --replSet NAME and --bind_ip_all", mongo.Command)
			}
			return nil
		}},
		{"mongo's health check initiates the replica set", func() error {
			if !strings.Contains(hc, "mongosh") || !strings.Contains(hc, "rs.initiate(") {
				return fmt.Errorf("healthcheck %q: want mongosh running rs.initiate", hc)
			}
			if !strings.Contains(hc, "_id:'"+replSet+"'") || !strings.Contains(hc, "host:'mongo:27017'") {
				return fmt.Errorf("healthcheck %q: want _id '%s' and the member mongo:27017", hc, replSet)
			}
			if strings.Contains(hc, "$") && !strings.Contains(hc, "$$") {
				return errors.New("healthcheck has a $ that compose would interpolate")
			}
			return nil
		}},
		{"csbot uses the replica set", func() error {
			u, err := url.Parse(bot.Environment["MONGODB_URI"])
			if err != nil {
				return err
			}
			if u.Host != "mongo:27017" || u.Query().Get("replicaSet") != replSet || replSet != "rs0" {
				return fmt.Errorf("MONGODB_URI %q: want host mongo:27017 and replicaSet=rs0 (mongo runs --replSet %s)", u, replSet)
			}
			return nil
		}},
		{"csbot waits for a healthy mongo", func() error {
			if got := bot.DependsOn["mongo"].Condition; got != "service_healthy" {
				return fmt.Errorf("depends_on mongo condition %q, want service_healthy", got)
			}
			return nil
		}},
		{"csbot publishes the code's default port", func() error {
			for _, p := range bot.Ports {
				if i := strings.LastIndex(p, ":"); i >= 0 && strings.TrimSuffix(p[i+1:], "/tcp") == strconv.Itoa(port) {
					return nil
				}
			}
			return fmt.Errorf("ports %q: none maps to container port %d", bot.Ports, port)
		}},
		{"csbot is built from deploy/Dockerfile", func() error {
			if bot.Build == nil {
				return errors.New("no build")
			}
			df := filepath.Join(bot.Build.Context, bot.Build.Dockerfile)
			if bot.Build.Dockerfile == "" {
				df = filepath.Join(bot.Build.Context, "Dockerfile")
			}
			if abs, _ := filepath.Abs(df); abs != mustAbs(t, "Dockerfile") {
				return fmt.Errorf("builds %s, want deploy/Dockerfile", df)
			}
			if _, err := os.Stat(filepath.Join(bot.Build.Context, "go.mod")); err != nil {
				return fmt.Errorf("build context %s is not the module root: %v", bot.Build.Context, err)
			}
			return nil
		}},
		{"restart unless-stopped", func() error {
			if mongo.Restart != "unless-stopped" || bot.Restart != "unless-stopped" {
				return fmt.Errorf("restart mongo %q csbot %q", mongo.Restart, bot.Restart)
			}
			return nil
		}},
		{"chat and API secrets come from the environment", func() error {
			for _, name := range []string{"SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_PUBLIC_KEY", "DISCORD_BOT_TOKEN", "DISCORD_APP_ID", "TEAMS_WEBHOOK_SECRET", "CSBOT_API_TOKEN"} {
				v, ok := bot.Environment[name]
				if !ok && bot.EnvFile == nil {
					return fmt.Errorf("%s: neither in environment nor an env_file", name)
				}
				if ok && !strings.HasPrefix(v, "${"+name) {
					return fmt.Errorf("%s=%q: want ${%s...} so the secret stays out of the file", name, v, name)
				}
			}
			return nil
		}},
		{"environment is documented", func() error {
			for name := range bot.Environment {
				checkEnvName(t, "docker-compose.yml csbot", name, documented)
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.check(); err != nil {
				t.Error(err)
			}
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func TestManifestEnvDocumented(t *testing.T) {
	ms := loadManifests(t)
	documented := documentedEnv(t)
	c := ms.deployments[0].Spec.Template.Spec.Containers[0]
	for _, e := range c.Env {
		checkEnvName(t, "k8s/deployment.yaml", e.Name, documented)
	}
	if len(c.EnvFrom) > 0 {
		// Every key of the Secret becomes a variable.
		for k := range ms.secrets[0].StringData {
			checkEnvName(t, "k8s/secret.example.yaml (envFrom)", k, documented)
		}
	}
	for k := range ms.secrets[0].StringData {
		checkEnvName(t, "k8s/secret.example.yaml", k, documented)
	}
	for _, ins := range dockerfile(t) {
		if ins.cmd == "ENV" {
			for _, kv := range ins.args {
				name, _, _ := strings.Cut(kv, "=")
				checkEnvName(t, "Dockerfile", name, documented)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Dockerfile.

type instruction struct {
	line int
	cmd  string   // upper case: FROM, RUN, ...
	rest string   // the text after the instruction, continuations joined
	args []string // rest split like a shell (quotes removed)
}

// dockerfile parses deploy/Dockerfile into instructions: comments and blank
// lines dropped, backslash continuations joined.
func dockerfile(t *testing.T) []instruction {
	t.Helper()
	var (
		out  []instruction
		cur  strings.Builder
		from int
	)
	sc := bufio.NewScanner(strings.NewReader(readFile(t, "Dockerfile")))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(line, "#") {
			continue // comments inside a continued instruction
		}
		if cur.Len() == 0 {
			from = n
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		cmd, rest, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		rest = strings.TrimSpace(rest)
		args, err := shellSplit(rest)
		if err != nil {
			t.Fatalf("Dockerfile:%d: %v", from, err)
		}
		out = append(out, instruction{line: from, cmd: strings.ToUpper(cmd), rest: rest, args: args})
		cur.Reset()
	}
	if cur.Len() > 0 {
		t.Fatal("Dockerfile: ends inside a continued line")
	}
	return out
}

// shellSplit splits words like sh: whitespace separates, quotes group.
func shellSplit(s string) ([]string, error) {
	var (
		words []string
		w     strings.Builder
		in    bool // inside a word
		quote rune
	)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed %c in %q", quote, s)
	}
	if in {
		words = append(words, w.String())
	}
	return words, nil
}

// goBuild is the Dockerfile's `go build`: its environment and arguments.
type goBuild struct {
	env  []string // NAME=value before `go`
	args []string // after `go build`
	out  string   // the -o target
	pkg  string   // the package built
}

func parseGoBuild(t *testing.T, ins []instruction) goBuild {
	t.Helper()
	for _, in := range ins {
		if in.cmd != "RUN" || !strings.Contains(in.rest, "go build") {
			continue
		}
		if strings.ContainsAny(in.rest, "&;|") {
			t.Fatalf("Dockerfile:%d: keep `go build` alone in its RUN so this test can run it", in.line)
		}
		var b goBuild
		words := in.args
		for len(words) > 0 && strings.HasPrefix(words[0], "--") { // RUN --mount=...
			words = words[1:]
		}
		for len(words) > 0 && strings.Contains(words[0], "=") {
			b.env = append(b.env, words[0])
			words = words[1:]
		}
		if len(words) < 3 || words[0] != "go" || words[1] != "build" {
			t.Fatalf("Dockerfile:%d: cannot read %q as [ENV=...] go build ...", in.line, in.rest)
		}
		b.args = words[2:]
		if i := slices.Index(b.args, "-o"); i >= 0 && i+1 < len(b.args) {
			b.out = b.args[i+1]
		}
		b.pkg = b.args[len(b.args)-1]
		return b
	}
	t.Fatal("Dockerfile: no RUN ... go build")
	return goBuild{}
}

func TestDockerfile(t *testing.T) {
	ins := dockerfile(t)
	port := defaultPort(t)

	// Split into stages at FROM.
	type stage struct {
		image, name string
		ins         []instruction
	}
	var stages []stage
	for _, in := range ins {
		if in.cmd == "FROM" {
			s := stage{image: in.args[0]}
			if len(in.args) == 3 && strings.EqualFold(in.args[1], "AS") {
				s.name = in.args[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			if in.cmd == "ARG" {
				continue
			}
			t.Fatalf("Dockerfile:%d: %s before FROM", in.line, in.cmd)
		}
		stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a final one", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]
	b := parseGoBuild(t, build.ins)
	last := func(cmd string) (instruction, bool) {
		for i := len(final.ins) - 1; i >= 0; i-- {
			if final.ins[i].cmd == cmd {
				return final.ins[i], true
			}
		}
		return instruction{}, false
	}

	for _, tc := range []struct {
		name  string
		check func() error
	}{
		{"build stage on go.mod's Go", func() error {
			if build.name == "" {
				return errors.New("the first stage has no name (FROM ... AS build)")
			}
			tag, ok := strings.CutPrefix(build.image, "golang:")
			if !ok {
				return fmt.Errorf("build image %s, want golang:", build.image)
			}
			m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(readFile(t, "../go.mod"))
			if m == nil {
				return errors.New("go.mod: no go line")
			}
			if tag != m[1] && !strings.HasPrefix(tag, m[1]+".") && !strings.HasPrefix(tag, m[1]+"-") {
				return fmt.Errorf("golang:%s, go.mod says go %s", tag, m[1])
			}
			return nil
		}},
		{"static build of ./cmd/csbot", func() error {
			if !slices.Contains(b.env, "CGO_ENABLED=0") {
				return fmt.Errorf("go build env %q: want CGO_ENABLED=0", b.env)
			}
			if b.pkg != "./cmd/csbot" {
				return fmt.Errorf("builds %s, want ./cmd/csbot", b.pkg)
			}
			if !slices.Contains(b.args, "-trimpath") || !slices.Contains(b.args, "-ldflags=-s -w") && !slices.Contains(b.args, "-s -w") {
				return fmt.Errorf("go build %q: want -trimpath -ldflags='-s -w'", b.args)
			}
			return nil
		}},
		{"final stage copies the built binary", func() error {
			for _, in := range final.ins {
				if in.cmd == "COPY" && slices.Contains(in.args, "--from="+build.name) && slices.Contains(in.args, b.out) {
					return nil
				}
			}
			return fmt.Errorf("no COPY --from=%s %s in the final stage", build.name, b.out)
		}},
		{"small final image", func() error {
			if final.image != "scratch" && !strings.HasPrefix(final.image, "gcr.io/distroless/static") {
				return fmt.Errorf("final image %s, want distroless static or scratch", final.image)
			}
			return nil
		}},
		{"non-root user", func() error {
			u, ok := last("USER")
			if !ok {
				return errors.New("no USER in the final stage")
			}
			name, _, _ := strings.Cut(u.args[0], ":")
			if name == "root" || name == "0" {
				return fmt.Errorf("USER %s", u.rest)
			}
			return nil
		}},
		{"EXPOSE the code's default port", func() error {
			e, ok := last("EXPOSE")
			if !ok {
				return errors.New("no EXPOSE")
			}
			if p := strings.TrimSuffix(e.args[0], "/tcp"); p != strconv.Itoa(port) {
				return fmt.Errorf("EXPOSE %s, csbot serve listens on %d", e.rest, port)
			}
			return nil
		}},
		{"embedded store in a volume", func() error {
			env, ok := last("ENV")
			if !ok || !slices.Contains(env.args, "CSBOT_DATA_DIR=/data") {
				return errors.New("no ENV CSBOT_DATA_DIR=/data")
			}
			v, ok := last("VOLUME")
			if !ok || v.rest != "/data" && v.rest != `["/data"]` {
				return errors.New("no VOLUME /data")
			}
			return nil
		}},
		{"entrypoint /csbot, command serve", func() error {
			ep, ok1 := last("ENTRYPOINT")
			cmd, ok2 := last("CMD")
			if !ok1 || !ok2 || ep.rest != `["`+b.out+`"]` || cmd.rest != `["serve"]` {
				return fmt.Errorf("ENTRYPOINT %s CMD %s, want [\"%s\"] [\"serve\"] (exec form)", ep.rest, cmd.rest, b.out)
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.check(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestDockerfileBuild runs the Dockerfile's `go build` line here, into a
// temporary folder, and runs the binary: what the image would hold.
func TestDockerfileBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds csbot; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	b := parseGoBuild(t, dockerfile(t))
	bin := filepath.Join(t.TempDir(), "csbot")
	args := slices.Clone(b.args)
	args[slices.Index(args, "-o")+1] = bin

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, append([]string{"build"}, args...)...)
	cmd.Dir = ".." // the module root, the Dockerfile's build context
	cmd.Env = append(os.Environ(), b.env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s go build %s: %v\n%s", strings.Join(b.env, " "), strings.Join(args, " "), err, out)
	}

	if runtime.GOOS == "linux" {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("the binary needs a dynamic loader; it must be static for distroless/static")
			}
		}
		if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
			t.Errorf("the binary links %v; it must be static", libs)
		}
	}

	out, err := exec.CommandContext(ctx, bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("csbot version: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "csbot ") {
		t.Errorf("csbot version printed %q", out)
	}

	t.Run("serve answers the probes", func(t *testing.T) { serveProbes(t, bin) })
}

// serveProbes starts the built binary the way the image does (its ENV, the
// embedded store in a temporary /data, CMD serve), asks it the paths the
// Kubernetes probes and the metrics annotation name, and stops it with
// SIGTERM as an orchestrator would.
func serveProbes(t *testing.T, bin string) {
	if runtime.GOOS == "windows" {
		t.Skip("stops csbot with SIGTERM")
	}
	d := loadManifests(t).deployments[0].Spec.Template
	c := d.Spec.Containers[0]
	paths := []string{d.Metadata.Annotations["prometheus.io/path"]}
	for _, p := range []*probe{c.StartupProbe, c.LivenessProbe, c.ReadinessProbe} {
		if p != nil && p.HTTPGet != nil {
			paths = append(paths, p.HTTPGet.Path)
		}
	}

	data := filepath.Join(t.TempDir(), "data")
	env := []string{"CSBOT_ADDR=127.0.0.1:0", "CSBOT_LOG_FORMAT=text"} // any free port (checked above); text logs to find it
	for _, in := range dockerfile(t) {
		if in.cmd == "ENV" {
			for _, kv := range in.args {
				env = append(env, strings.ReplaceAll(kv, "=/data", "="+data))
			}
		}
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		logs    bytes.Buffer // read only after exited
		waitErr error
		exited  = make(chan struct{})
		addrc   = make(chan string, 1)
	)
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			if _, addr, ok := strings.Cut(sc.Text(), "msg=serving addr="); ok {
				select {
				case addrc <- addr:
				default:
				}
			}
		}
		waitErr = cmd.Wait()
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	var addr string
	select {
	case addr = <-addrc:
	case <-exited:
		t.Fatalf("csbot serve exited before serving: %v\n%s", waitErr, logs.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("csbot serve did not listen within 2 minutes")
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for _, p := range paths {
		if p == "" {
			continue
		}
		resp, err := client.Get("http://" + addr + p)
		if err != nil {
			t.Errorf("GET %s: %v", p, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s, want 200 OK", p, resp.Status)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Errorf("csbot serve after SIGTERM: %v\n%s", waitErr, logs.String())
		}
	case <-time.After(shutdownGrace(t) + 10*time.Second):
		t.Errorf("csbot serve still running %v after SIGTERM", shutdownGrace(t)+10*time.Second)
	}
}
