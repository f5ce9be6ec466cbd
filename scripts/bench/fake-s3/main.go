// Command fake-s3 serves an in-memory S3 for `npm run bench`'s listing measurement: gofakes3
// (github.com/johannesboyne/gofakes3) with its s3mem backend. Unlike LocalStack 4.14, whose
// ListObjectsV2 sorts every key of the bucket on every request in one Python process, s3mem keeps
// each bucket in a skip list (a page seeks to its start and reads on) and Go's HTTP server answers
// requests in parallel, as S3 does.
//
// -populate fills buckets before serving, in-process, with the layouts of
// scripts/bench/localstack-populate.py (object i has 1 + i%50 bytes). The listening address is
// printed as the first line on stdout ("listening 127.0.0.1:PORT").
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

type bucketSpec struct {
	Bucket  string `json:"bucket"`
	Layout  string `json:"layout"`
	Objects int    `json:"objects"`
}

// Keys off the upload layout in the skewed bucket: other prefixes, upper case, spaces.
var offLayout = []string{
	"user-uploads/legacy/IMG_%06d.JPG",
	"user-uploads/Zz Shared Album/%d.png",
	"archive/2019/%07d.jpg",
	"#tmp/%d",
	"processed/Old Thumbs/%d.webp",
}

func uuid4() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		log.Fatal(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// keyOf mirrors key_of in scripts/bench/localstack-populate.py.
func keyOf(layout string, i int, user string) string {
	if layout == "uniform" {
		return fmt.Sprintf("user-uploads/%s/%s.jpg", uuid4(), uuid4())
	}
	if i%10 != 0 {
		return fmt.Sprintf("user-uploads/%s/%s.jpg", user, uuid4())
	}
	return fmt.Sprintf(offLayout[(i/10)%len(offLayout)], i)
}

func populate(backend *s3mem.Backend, spec bucketSpec) error {
	if spec.Layout != "uniform" && spec.Layout != "skewed" {
		return fmt.Errorf("unknown layout %q", spec.Layout)
	}
	started := time.Now()
	if err := backend.CreateBucket(spec.Bucket); err != nil {
		return err
	}
	body := bytes.Repeat([]byte("x"), 50)
	user := uuid4()
	for i := 0; i < spec.Objects; i++ {
		size := 1 + i%50
		key := keyOf(spec.Layout, i, user)
		if _, err := backend.PutObject(spec.Bucket, key, map[string]string{}, bytes.NewReader(body[:size]), int64(size), nil); err != nil {
			return fmt.Errorf("put %s: %w", key, err)
		}
	}
	log.Printf("bench populate: %d objects (%s) in %s in %.1f s", spec.Objects, spec.Layout, spec.Bucket, time.Since(started).Seconds())
	return nil
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve on")
	populateJSON := flag.String("populate", "[]", `buckets to create and fill before serving: [{"bucket": ..., "layout": "uniform"|"skewed", "objects": N}]`)
	flag.Parse()

	var specs []bucketSpec
	if err := json.Unmarshal([]byte(*populateJSON), &specs); err != nil {
		log.Fatalf("-populate: %v", err)
	}
	backend := s3mem.New()
	for _, spec := range specs {
		if err := populate(backend, spec); err != nil {
			log.Fatalf("-populate %s: %v", spec.Bucket, err)
		}
	}
	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening %s\n", listener.Addr())
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	log.Fatal(http.Serve(listener, faker.Server()))
}
