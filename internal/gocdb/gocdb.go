// Package gocdb reads the XML of GOCDB's programmatic interface (the
// configuration database of EGI: which sites exist, the NGI of each, who
// holds which role where, with their certificate DNs) into a Directory of
// sites, NGIs, users and grants, that pakiti sites import-gocdb applies to
// the store. It reads the answers of get_site (sites and their ROC, the
// NGI), get_site_contacts (site roles), get_roc_contacts (NGI roles) and
// get_user (every role of a user, on sites, NGIs and the project).
package gocdb

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/pakiti-go/pakiti/internal/store"
)

// Roles maps GOCDB role names to what they give in Pakiti: a grant on the
// site or NGI the role is held on, or the csirt role.
type Roles struct {
	Site  []string // roles on a site that see the site
	NGI   []string // roles on an NGI that see the NGI's sites
	CSIRT []string // roles (on the project) that see everything
}

// DefaultRoles are the security and operations roles of EGI.
var DefaultRoles = Roles{
	Site:  []string{"Site Security Officer", "Site Administrator", "Site Operations Manager", "Site Operations Deputy Manager"},
	NGI:   []string{"NGI Security Officer", "NGI Operations Manager", "NGI Operations Deputy Manager"},
	CSIRT: []string{"EGI CSIRT Officer"},
}

// Site is a site and its NGI.
type Site struct {
	Name, NGI string
}

// User is a person of GOCDB: known by its certificate DN, which is also
// its Pakiti user name (what Apache's SSL_CLIENT_S_DN gives --auth header).
type User struct {
	DN     string
	Name   string // forename and surname, for the admin
	CSIRT  bool
	Grants []string // sites and NGIs, sorted
}

// Directory is what one import says.
type Directory struct {
	NGIs  []string // sorted
	Sites []Site   // by name
	Users []User   // by DN
}

// The XML of the documents read; every element that matters is optional.
type results struct {
	Sites []struct {
		Name     string    `xml:"NAME,attr"`
		Short    string    `xml:"SHORT_NAME"`
		ROC      string    `xml:"ROC"`
		Contacts []contact `xml:"CONTACT"`
	} `xml:"SITE"`
	ROCs []struct {
		Name     string    `xml:"ROC_NAME,attr"`
		RocName  string    `xml:"ROCNAME"`
		Contacts []contact `xml:"CONTACT"`
	} `xml:"ROC"`
	Users []struct {
		Forename string `xml:"FORENAME"`
		Surname  string `xml:"SURNAME"`
		DN       string `xml:"CERTDN"`
		Roles    []struct {
			Role   string `xml:"USER_ROLE"`
			Entity string `xml:"ON_ENTITY"`
			Type   string `xml:"ENTITY_TYPE"`
		} `xml:"USER_ROLE"`
	} `xml:"EGEE_USER"`
}

type contact struct {
	Forename string `xml:"FORENAME"`
	Surname  string `xml:"SURNAME"`
	DN       string `xml:"CERTDN"`
	Role     string `xml:"ROLE_NAME"`
}

// Reader gathers documents into a Directory.
type Reader struct {
	Roles Roles
	sites map[string]string // site -> NGI ("" unknown)
	ngis  map[string]bool
	users map[string]*User // by DN
}

// NewReader returns a Reader mapping roles by r.
func NewReader(r Roles) *Reader {
	return &Reader{Roles: r, sites: map[string]string{}, ngis: map[string]bool{}, users: map[string]*User{}}
}

// Read adds one document (any of the methods above) named name.
func (rd *Reader) Read(name string, r io.Reader) error {
	var res results
	dec := xml.NewDecoder(r)
	if err := dec.Decode(&res); err != nil {
		return fmt.Errorf("%s: not GOCDB XML: %w", name, err)
	}
	if len(res.Sites)+len(res.ROCs)+len(res.Users) == 0 {
		return fmt.Errorf("%s: no SITE, ROC or EGEE_USER element: not an answer of get_site, get_site_contacts, get_roc_contacts or get_user", name)
	}
	for _, s := range res.Sites {
		site := strings.TrimSpace(s.Short)
		if site == "" {
			site = strings.TrimSpace(s.Name)
		}
		if site == "" {
			return fmt.Errorf("%s: a SITE without a name", name)
		}
		if ngi := strings.TrimSpace(s.ROC); ngi != "" || rd.sites[site] == "" {
			rd.sites[site] = ngi
			if ngi != "" {
				rd.ngis[ngi] = true
			}
		}
		for _, c := range s.Contacts {
			if slices.Contains(rd.Roles.Site, c.Role) {
				rd.grant(c, site)
			}
		}
	}
	for _, r := range res.ROCs {
		ngi := strings.TrimSpace(r.RocName)
		if ngi == "" {
			ngi = strings.TrimSpace(r.Name)
		}
		if ngi == "" {
			return fmt.Errorf("%s: a ROC without a name", name)
		}
		rd.ngis[ngi] = true
		for _, c := range r.Contacts {
			if slices.Contains(rd.Roles.NGI, c.Role) {
				rd.grant(c, ngi)
			}
		}
	}
	for _, u := range res.Users {
		c := contact{Forename: u.Forename, Surname: u.Surname, DN: u.DN}
		for _, ro := range u.Roles {
			switch {
			case ro.Type == "site" && slices.Contains(rd.Roles.Site, ro.Role):
				rd.grant(c, strings.TrimSpace(ro.Entity))
			case ro.Type == "ngi" && slices.Contains(rd.Roles.NGI, ro.Role):
				if ngi := strings.TrimSpace(ro.Entity); ngi != "" {
					rd.ngis[ngi] = true
					rd.grant(c, ngi)
				}
			case slices.Contains(rd.Roles.CSIRT, ro.Role):
				if usr := rd.user(c); usr != nil {
					usr.CSIRT = true
				}
			}
		}
	}
	return nil
}

func (rd *Reader) user(c contact) *User {
	dn := strings.TrimSpace(c.DN)
	if dn == "" {
		return nil // no certificate: nobody to let in
	}
	u, ok := rd.users[dn]
	if !ok {
		u = &User{DN: dn, Name: strings.TrimSpace(c.Forename + " " + c.Surname)}
		rd.users[dn] = u
	}
	return u
}

func (rd *Reader) grant(c contact, target string) {
	if u := rd.user(c); u != nil && target != "" && !slices.Contains(u.Grants, target) {
		u.Grants = append(u.Grants, target)
	}
}

// Directory returns what was read. A grant on a site that no get_site
// answer named is kept: the site is made without an NGI.
func (rd *Reader) Directory() Directory {
	var d Directory
	for _, u := range rd.users {
		for _, g := range u.Grants {
			if _, isSite := rd.sites[g]; !isSite && !rd.ngis[g] {
				rd.sites[g] = ""
			}
		}
	}
	for ngi := range rd.ngis {
		d.NGIs = append(d.NGIs, ngi)
	}
	sort.Strings(d.NGIs)
	for name, ngi := range rd.sites {
		d.Sites = append(d.Sites, Site{Name: name, NGI: ngi})
	}
	sort.Slice(d.Sites, func(i, j int) bool { return d.Sites[i].Name < d.Sites[j].Name })
	for _, u := range rd.users {
		if len(u.Grants) == 0 && !u.CSIRT {
			continue
		}
		v := *u
		v.Grants = slices.Sorted(slices.Values(u.Grants))
		d.Users = append(d.Users, v)
	}
	sort.Slice(d.Users, func(i, j int) bool { return d.Users[i].DN < d.Users[j].DN })
	return d
}

// Store returns d as the store syncs it: NGIs under federation, users
// named by their DN (viewers, or csirt).
func (d Directory) Store(federation string) store.Directory {
	out := store.Directory{Origin: store.OriginGOCDB, Federation: federation, NGIs: d.NGIs}
	for _, s := range d.Sites {
		out.Sites = append(out.Sites, store.DirectorySite{Name: s.Name, NGI: s.NGI})
	}
	for _, u := range d.Users {
		role := store.RoleViewer
		if u.CSIRT {
			role = store.RoleCSIRT
		}
		out.Users = append(out.Users, store.DirectoryUser{Name: u.DN, DN: u.DN, Role: role, Grants: u.Grants})
	}
	return out
}
