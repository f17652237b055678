// Command sink is an HTTP receiver for broadcast benchmarks that lives
// outside the programs it measures: it answers 200 to every request and
// counts them, their bytes, and the times of the first and the last, so
// that Plaza (bench/broadcast -sink URL) and another system (bench/vslistmonk)
// can be measured against the very same receiver.
//
//	go run ./bench/sink -addr 127.0.0.1:9099
//
// GET /_stats answers the counts as JSON; POST /_reset sets them to zero.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/plazahq/plaza/bench/benchutil"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9099", "address to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sink:", err)
		os.Exit(1)
	}
	fmt.Printf("sink listening on http://%s (GET /_stats, POST /_reset)\n", ln.Addr())
	srv := &http.Server{Handler: benchutil.NewCounter(), ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.Serve(ln))
}
