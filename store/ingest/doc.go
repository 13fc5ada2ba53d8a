// Package ingest validates and applies the data csbot takes from other
// tools: accounts, daily product usage, NPS and CSAT answers, support
// tickets, CRM touches and revenue events. The HTTP API (package api) and
// `csbot import <kind> FILE` both go through it, so an item is accepted or
// refused the same way wherever it comes from.
//
// A batch is decoded strictly (an unknown field or column refuses it whole,
// naming the field), then each item is checked on its own: required fields,
// ranges, an existing account, ids of at most 128 bytes, no date more than
// a day ahead. Items with errors are skipped and listed; the others are
// applied, each whole or not at all. Every item has a key (usage:
// account/day; the rest: the client's id), so re-sending a batch changes
// nothing and counts as unchanged.
//
// Applying writes the event ledger of package store, then derives the
// account fields the health score reads from it (ActiveUsers, NPS,
// OpenTickets, LastTouch, ARR, Churned... see derive.go) and rescores the
// accounts whose fields changed, in bulk.
package ingest
