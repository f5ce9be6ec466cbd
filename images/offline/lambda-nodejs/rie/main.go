// Command aws-lambda-rie is a small, standard-library-only stand-in for the AWS Lambda Runtime
// Interface Emulator. scripts/offline-images.sh builds it only when the upstream emulator
// (github.com/aws/aws-lambda-runtime-interface-emulator) cannot be fetched from the Go module proxy.
//
// It keeps the upstream emulator's outside contract, as far as this project uses it:
//   - usage: aws-lambda-rie [--runtime-interface-emulator-address 0.0.0.0:8080]
//     [--runtime-api-address 127.0.0.1:9001] [--log-level L] [bootstrap [args...]];
//     without a bootstrap it looks for /var/task/bootstrap, /opt/bootstrap, /var/runtime/bootstrap;
//   - POST /2015-03-31/functions/function/invocations runs one invocation: the body is the event,
//     the answer is the function's result (200), or its error document {errorType, errorMessage, ...}
//     (200), "Task timed out after N.00 seconds" (200) on timeout, 502 when the runtime dies;
//     a second invocation while one is in flight gets 400, as upstream (one at a time per container);
//   - the runtime is started lazily on the first invocation, with the container's environment plus
//     the defaults upstream adds (AWS_LAMBDA_FUNCTION_NAME=test_function, ..._MEMORY_SIZE=3008, ...)
//     and AWS_LAMBDA_RUNTIME_API; _HANDLER comes from AWS_LAMBDA_FUNCTION_HANDLER or _HANDLER;
//   - AWS_LAMBDA_FUNCTION_TIMEOUT (seconds, default 300) bounds each invocation; after a timeout,
//     a runtime crash or an init error the runtime is stopped and started again on the next invoke;
//   - prints START / END / REPORT lines like upstream.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const runtimePrefix = "/2018-06-01/runtime/"

type result struct {
	status int
	body   []byte
	crash  bool // the runtime went away: it must be restarted
}

type invocation struct {
	id            string
	payload       []byte
	arn           string
	traceID       string
	clientContext string
	timeout       time.Duration
	deadline      time.Time
	done          chan result // buffered(1): first writer wins
}

func (inv *invocation) finish(r result) {
	select {
	case inv.done <- r:
	default:
	}
}

type runtimeProc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // set before exited is closed
}

type emulator struct {
	bootstrap   []string
	handler     string
	runtimeAddr string

	busy sync.Mutex // held for the whole of one invocation (TryLock gives the 400)

	mu      sync.Mutex
	proc    *runtimeProc
	current *invocation
	next    chan *invocation
}

func getenv(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func errorDoc(errorType, msg string) []byte {
	b, _ := json.Marshal(map[string]string{"errorType": errorType, "errorMessage": msg})
	return b
}

func (e *emulator) runtimeEnv() []string {
	env := map[string]string{
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/Functions",
		"AWS_LAMBDA_LOG_STREAM_NAME":      "$LATEST",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "3008",
		"AWS_LAMBDA_FUNCTION_NAME":        "test_function",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
	}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && v != "" {
			env[k] = v
		}
	}
	handler := getenv("AWS_LAMBDA_FUNCTION_HANDLER", os.Getenv("_HANDLER"))
	if e.handler != "" {
		handler = e.handler
	}
	if handler != "" {
		env["_HANDLER"] = handler
	}
	env["AWS_LAMBDA_RUNTIME_API"] = e.runtimeAddr
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// ensureRuntime starts the bootstrap unless it is running.
func (e *emulator) ensureRuntime() (*runtimeProc, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.proc != nil {
		select {
		case <-e.proc.exited:
			e.proc = nil
		default:
			return e.proc, nil
		}
	}
	cmd := exec.Command(e.bootstrap[0], e.bootstrap[1:]...)
	cmd.Env = e.runtimeEnv()
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if wd, err := os.Getwd(); err == nil {
		cmd.Dir = wd
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &runtimeProc{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	e.proc = p
	return p, nil
}

// stopRuntime kills the runtime's whole process group and waits for it.
func (e *emulator) stopRuntime(p *runtimeProc) {
	if p == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.exited
	e.mu.Lock()
	if e.proc == p {
		e.proc = nil
	}
	e.mu.Unlock()
}

func exitMessage(p *runtimeProc) string {
	if p.err == nil {
		return "Runtime exited without providing a reason"
	}
	return "Runtime exited with error: " + p.err.Error()
}

func (e *emulator) invoke(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if !e.busy.TryLock() {
		log.Printf("Failed to reserve: AlreadyReserved (one invocation at a time)")
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	defer e.busy.Unlock()

	payload, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	clientContext := ""
	if h := r.Header.Get("X-Amz-Client-Context"); h != "" {
		raw, err := base64.StdEncoding.DecodeString(h)
		if err != nil {
			log.Printf("Failed to decode X-Amz-Client-Context: %s", err)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		clientContext = string(raw)
	}
	timeoutSec, err := strconv.ParseInt(getenv("AWS_LAMBDA_FUNCTION_TIMEOUT", "300"), 10, 64)
	if err != nil || timeoutSec <= 0 {
		timeoutSec = 300
	}
	timeout := time.Duration(timeoutSec) * time.Second
	version := getenv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
	memory := getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "3008")

	inv := &invocation{
		id:            newID(),
		payload:       payload,
		arn:           "arn:aws:lambda:us-east-1:012345678912:function:" + getenv("AWS_LAMBDA_FUNCTION_NAME", "test_function"),
		traceID:       r.Header.Get("X-Amzn-Trace-Id"),
		clientContext: clientContext,
		timeout:       timeout,
		done:          make(chan result, 1),
	}

	initStart := time.Now()
	fresh := false
	e.mu.Lock()
	fresh = e.proc == nil
	e.mu.Unlock()
	p, err := e.ensureRuntime()
	if err != nil {
		log.Printf("failed to start %v: %s", e.bootstrap, err)
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write(errorDoc("Runtime.InvalidEntrypoint", err.Error()))
		return
	}

	// Hand the invocation to the runtime (it asks with GET .../invocation/next once it is initialised).
	initTimer := time.NewTimer(timeout)
	defer initTimer.Stop()
	select {
	case e.next <- inv:
	case r := <-inv.done: // init error posted before the runtime asked for work
		e.stopRuntime(p)
		w.WriteHeader(r.status)
		_, _ = w.Write(r.body)
		return
	case <-p.exited:
		e.stopRuntime(p)
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write(errorDoc("Runtime.ExitError", "RequestId: "+inv.id+" Error: "+exitMessage(p)))
		return
	case <-initTimer.C:
		e.stopRuntime(p)
		_, _ = w.Write([]byte(fmt.Sprintf("Task timed out after %d.00 seconds", timeoutSec)))
		return
	}
	initDuration := ""
	if fresh {
		initDuration = fmt.Sprintf("Init Duration: %.2f ms\t", float64(time.Since(initStart).Microseconds())/1000)
	}
	invokeStart := time.Now()
	fmt.Printf("START RequestId: %s Version: %s\n", inv.id, version)

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var res result
	select {
	case res = <-inv.done:
	case <-p.exited:
		res = result{status: http.StatusBadGateway, crash: true,
			body: errorDoc("Runtime.ExitError", "RequestId: "+inv.id+" Error: "+exitMessage(p))}
	case <-timer.C:
		res = result{status: http.StatusOK, crash: true,
			body: []byte(fmt.Sprintf("Task timed out after %d.00 seconds", timeoutSec))}
	}
	e.mu.Lock()
	if e.current == inv {
		e.current = nil
	}
	e.mu.Unlock()
	if res.crash {
		e.stopRuntime(p)
	}

	d := math.Min(float64(time.Since(invokeStart).Nanoseconds()), float64(timeout.Nanoseconds())) / 1e6
	fmt.Printf("END RequestId: %s\n", inv.id)
	fmt.Printf("REPORT RequestId: %s\t%sDuration: %.2f ms\tBilled Duration: %.f ms\tMemory Size: %s MB\tMax Memory Used: %s MB\t\n",
		inv.id, initDuration, d, math.Ceil(d), memory, memory)

	if res.status != 0 {
		w.WriteHeader(res.status)
	}
	_, _ = w.Write(res.body)
}

// runtimeAPI serves the Lambda Runtime API the bootstrap talks to.
func (e *emulator) runtimeAPI(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, runtimePrefix)
	accepted := func() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"status":"OK"}`))
	}
	switch {
	case path == "invocation/next" && r.Method == http.MethodGet:
		var inv *invocation
		select {
		case inv = <-e.next:
		case <-r.Context().Done():
			return
		}
		inv.deadline = time.Now().Add(inv.timeout)
		e.mu.Lock()
		e.current = inv
		e.mu.Unlock()
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.arn)
		if inv.traceID != "" {
			h.Set("Lambda-Runtime-Trace-Id", inv.traceID)
		}
		if inv.clientContext != "" {
			h.Set("Lambda-Runtime-Client-Context", inv.clientContext)
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.payload)

	case path == "init/error" && r.Method == http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		if len(bytes.TrimSpace(body)) == 0 {
			body = errorDoc(r.Header.Get("Lambda-Runtime-Function-Error-Type"), "init error")
		}
		log.Printf("init error: %s", body)
		// The waiting invocation (if any) is answered with the init error, as Lambda does.
		e.mu.Lock()
		cur := e.current
		e.mu.Unlock()
		if cur != nil {
			cur.finish(result{status: http.StatusOK, body: body, crash: true})
		} else {
			e.failPending(body)
		}
		accepted()

	case strings.HasPrefix(path, "invocation/") && r.Method == http.MethodPost &&
		(strings.HasSuffix(path, "/response") || strings.HasSuffix(path, "/error")):
		rest := strings.TrimPrefix(path, "invocation/")
		isErr := strings.HasSuffix(rest, "/error")
		id := strings.TrimSuffix(strings.TrimSuffix(rest, "/response"), "/error")
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		e.mu.Lock()
		cur := e.current
		e.mu.Unlock()
		if cur == nil || cur.id != id {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(errorDoc("InvalidRequestID", "Invalid request ID"))
			return
		}
		// A streamed response that failed midway reports the error in trailers.
		if t := r.Trailer.Get("Lambda-Runtime-Function-Error-Type"); t != "" && !isErr {
			isErr = true
			if b, err := base64.StdEncoding.DecodeString(r.Trailer.Get("Lambda-Runtime-Function-Error-Body")); err == nil && len(b) > 0 {
				body = b
			} else {
				body = errorDoc(t, "streamed response failed")
			}
		}
		if isErr && len(bytes.TrimSpace(body)) == 0 {
			body = errorDoc(r.Header.Get("Lambda-Runtime-Function-Error-Type"), "")
		}
		cur.finish(result{status: http.StatusOK, body: body})
		accepted()

	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(errorDoc("InvalidRequest", "unknown runtime API path "+r.Method+" "+r.URL.Path))
	}
}

// failPending answers an invocation that is waiting to be handed to a runtime whose init failed.
func (e *emulator) failPending(body []byte) {
	select {
	case inv := <-e.next:
		inv.finish(result{status: http.StatusOK, body: body, crash: true})
	case <-time.After(100 * time.Millisecond):
	}
}

func findBootstrap() []string {
	for _, c := range []string{"/var/task/bootstrap", "/opt/bootstrap", "/var/runtime/bootstrap"} {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return []string{c}
		}
	}
	return []string{"/var/task/bootstrap"}
}

func main() {
	log.SetFlags(log.LstdFlags)
	log.SetPrefix("[rie] ")
	fs := flag.NewFlagSet("aws-lambda-rie", flag.ContinueOnError)
	rieAddr := fs.String("runtime-interface-emulator-address", "0.0.0.0:8080", "address the invoke API listens on")
	apiAddr := fs.String("runtime-api-address", "127.0.0.1:9001", "address of the Lambda Runtime API for the bootstrap")
	_ = fs.String("log-level", "", "accepted for compatibility")
	_ = fs.Bool("enable-init-caching", false, "accepted for compatibility")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	e := &emulator{runtimeAddr: *apiAddr, next: make(chan *invocation)}
	args := fs.Args()
	if len(args) == 0 {
		e.bootstrap = findBootstrap()
	} else {
		e.bootstrap = args
		if len(args) > 1 {
			e.handler = args[len(args)-1]
		}
	}
	if _, _, err := net.SplitHostPort(*apiAddr); err != nil {
		log.Fatalf("invalid --runtime-api-address %q", *apiAddr)
	}

	apiMux := http.NewServeMux()
	apiMux.HandleFunc(runtimePrefix, e.runtimeAPI)
	apiLn, err := net.Listen("tcp", *apiAddr)
	if err != nil {
		log.Fatalf("runtime API: %s", err)
	}
	go func() { log.Fatal(http.Serve(apiLn, apiMux)) }()

	mux := http.NewServeMux()
	mux.HandleFunc("/2015-03-31/functions/function/invocations", e.invoke)
	srv := &http.Server{Addr: *rieAddr, Handler: mux}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		e.mu.Lock()
		p := e.proc
		e.mu.Unlock()
		if p != nil {
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-p.exited:
			case <-time.After(2 * time.Second):
				_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		os.Exit(0)
	}()

	log.Printf("exec %q (handler=%s); listening on %s, runtime API on %s", e.bootstrap, e.handler, *rieAddr, *apiAddr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
