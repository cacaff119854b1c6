// Package jvmheap turns a JVM's own heap reports into evidence for memory alerts.
package jvmheap
