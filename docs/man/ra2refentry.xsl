<?xml version="1.0"?>
<!-- The OCF metadata of an agent (metadata/VirtualMachine.xml) as a DocBook
     refentry: ocf_vmguard_VirtualMachine(7), the way resource-agents makes its
     ocf_heartbeat_*(7) pages (its doc/man/ra2refentry.xsl, written anew and
     smaller here).  docbook-xsl's manpages stylesheet turns the refentry into
     roff.  Parameters: provider (vmguard), date (of the page), version. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" indent="yes"
      doctype-public="-//OASIS//DTD DocBook XML V4.5//EN"
      doctype-system="http://www.oasis-open.org/docbook/xml/4.5/docbookx.dtd"/>
  <xsl:param name="provider" select="'vmguard'"/>
  <xsl:param name="version" select="''"/>
  <xsl:param name="date" select="''"/>
  <xsl:variable name="agent" select="/resource-agent/@name"/>
  <xsl:variable name="page" select="concat('ocf_', $provider, '_', $agent)"/>

  <xsl:template match="/resource-agent">
    <refentry id="{$page}">
      <refentryinfo>
        <date><xsl:value-of select="$date"/></date>
        <author><othername>the vmguard developers</othername></author>
        <productname>vmguard</productname>
        <productnumber><xsl:value-of select="$version"/></productnumber>
      </refentryinfo>
      <refmeta>
        <refentrytitle><xsl:value-of select="$page"/></refentrytitle>
        <manvolnum>7</manvolnum>
        <refmiscinfo class="source">vmguard</refmiscinfo>
        <refmiscinfo class="manual">OCF resource agents</refmiscinfo>
      </refmeta>
      <refnamediv>
        <refname><xsl:value-of select="$page"/></refname>
        <refpurpose><xsl:value-of select="normalize-space(shortdesc[@lang='en'])"/></refpurpose>
      </refnamediv>
      <refsynopsisdiv>
        <cmdsynopsis>
          <command><xsl:value-of select="$agent"/></command>
          <group choice="req">
            <xsl:for-each select="actions/action[not(@name = preceding-sibling::action/@name)]">
              <arg choice="plain"><xsl:value-of select="@name"/></arg>
            </xsl:for-each>
          </group>
        </cmdsynopsis>
      </refsynopsisdiv>
      <refsection>
        <title>Description</title>
        <xsl:call-template name="paragraphs">
          <xsl:with-param name="text" select="longdesc[@lang='en']"/>
        </xsl:call-template>
        <para>Pacemaker runs it as <literal>ocf:<xsl:value-of select="$provider"/>:<xsl:value-of select="$agent"/></literal>.</para>
      </refsection>
      <refsection>
        <title>Supported parameters</title>
        <variablelist>
          <xsl:apply-templates select="parameters/parameter"/>
        </variablelist>
      </refsection>
      <refsection>
        <title>Supported actions</title>
        <para>This resource agent supports the following actions (operations):</para>
        <variablelist>
          <xsl:apply-templates select="actions/action"/>
        </variablelist>
      </refsection>
      <refsection>
        <title>Example crm shell</title>
        <para>The following is an example configuration for a
          <xsl:value-of select="$agent"/> resource using the crm(8) shell:</para>
        <programlisting>
          <xsl:text>primitive p_</xsl:text><xsl:value-of select="$agent"/>
          <xsl:text> ocf:</xsl:text><xsl:value-of select="concat($provider, ':', $agent)"/>
          <xsl:text> \&#10;  params \&#10;</xsl:text>
          <xsl:for-each select="parameters/parameter[@required = '1']">
            <xsl:text>    </xsl:text><xsl:value-of select="@name"/><xsl:text>=</xsl:text>
            <xsl:text>string \&#10;</xsl:text>
          </xsl:for-each>
          <xsl:text>  meta allow-migrate=true \&#10;</xsl:text>
          <xsl:for-each select="actions/action[@name = 'monitor'][1]">
            <xsl:text>  op monitor interval="</xsl:text><xsl:value-of select="@interval"/>
            <xsl:text>" timeout="</xsl:text><xsl:value-of select="@timeout"/><xsl:text>"</xsl:text>
          </xsl:for-each>
        </programlisting>
      </refsection>
      <refsection>
        <title>Example pcs</title>
        <para>The following is an example configuration for a
          <xsl:value-of select="$agent"/> resource using pcs(8):</para>
        <programlisting>
          <xsl:text>pcs resource create p_</xsl:text><xsl:value-of select="$agent"/>
          <xsl:text> ocf:</xsl:text><xsl:value-of select="concat($provider, ':', $agent)"/>
          <xsl:text> \&#10;</xsl:text>
          <xsl:for-each select="parameters/parameter[@required = '1']">
            <xsl:text>  </xsl:text><xsl:value-of select="@name"/><xsl:text>=string \&#10;</xsl:text>
          </xsl:for-each>
          <xsl:text>  meta allow-migrate=true \&#10;</xsl:text>
          <xsl:for-each select="actions/action[@name = 'monitor'][1]">
            <xsl:text>  op monitor interval="</xsl:text><xsl:value-of select="@interval"/>
            <xsl:text>" timeout="</xsl:text><xsl:value-of select="@timeout"/><xsl:text>"</xsl:text>
          </xsl:for-each>
        </programlisting>
      </refsection>
      <refsection>
        <title>See also</title>
        <para>
          <citerefentry><refentrytitle>vmguard</refentrytitle><manvolnum>8</manvolnum></citerefentry>,
          <citerefentry><refentrytitle>ocf_heartbeat_VirtualDomain</refentrytitle><manvolnum>7</manvolnum></citerefentry>,
          <citerefentry><refentrytitle>crm_resource</refentrytitle><manvolnum>8</manvolnum></citerefentry>,
          <ulink url="https://github.com/vmguard/vmguard"/>
        </para>
      </refsection>
    </refentry>
  </xsl:template>

  <xsl:template match="parameter">
    <varlistentry>
      <term>
        <option><xsl:value-of select="@name"/></option>
        <xsl:if test="@required = '1'"><xsl:text> (required)</xsl:text></xsl:if>
        <xsl:if test="@unique = '1'"><xsl:text> (unique)</xsl:text></xsl:if>
      </term>
      <listitem>
        <para><emphasis><xsl:value-of select="normalize-space(shortdesc[@lang='en'])"/></emphasis>
          <xsl:text> (</xsl:text><xsl:value-of select="content/@type"/>
          <xsl:if test="string(content/@default) != ''">
            <xsl:text>, default </xsl:text><literal><xsl:value-of select="content/@default"/></literal>
          </xsl:if>
          <xsl:text>)</xsl:text>
        </para>
        <xsl:call-template name="paragraphs">
          <xsl:with-param name="text" select="longdesc[@lang='en']"/>
        </xsl:call-template>
      </listitem>
    </varlistentry>
  </xsl:template>

  <xsl:template match="action">
    <varlistentry>
      <term><option><xsl:value-of select="@name"/></option></term>
      <listitem>
        <para>
          <xsl:text>Default timeout: </xsl:text><literal><xsl:value-of select="@timeout"/></literal>
          <xsl:if test="@interval">
            <xsl:text>; interval: </xsl:text><literal><xsl:value-of select="@interval"/></literal>
          </xsl:if>
          <xsl:if test="@depth">
            <xsl:text>; depth (OCF_CHECK_LEVEL): </xsl:text><literal><xsl:value-of select="@depth"/></literal>
          </xsl:if>
          <xsl:text>.</xsl:text>
        </para>
      </listitem>
    </varlistentry>
  </xsl:template>

  <!-- A longdesc as paragraphs: a blank line starts a new one. -->
  <xsl:template name="paragraphs">
    <xsl:param name="text"/>
    <xsl:variable name="t" select="concat(normalize-space(substring-before(concat($text, '&#10;&#10;'), '&#10;&#10;')), '')"/>
    <xsl:variable name="rest" select="substring-after($text, '&#10;&#10;')"/>
    <xsl:if test="$t != ''"><para><xsl:value-of select="$t"/></para></xsl:if>
    <xsl:if test="normalize-space($rest) != ''">
      <xsl:call-template name="paragraphs"><xsl:with-param name="text" select="$rest"/></xsl:call-template>
    </xsl:if>
  </xsl:template>
</xsl:stylesheet>
